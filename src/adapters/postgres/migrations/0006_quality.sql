-- Quality: warned records per run; where a quarantined record was refused and whether it was replayed.
ALTER TABLE sluice.runs ADD COLUMN warned bigint NOT NULL DEFAULT 0;
ALTER TABLE sluice.quarantine ADD COLUMN stage text NOT NULL DEFAULT 'validate'
  CHECK (stage IN ('read', 'transform', 'validate', 'rule'));
ALTER TABLE sluice.quarantine ADD COLUMN replayed_at timestamptz;
ALTER TABLE sluice.quarantine ADD COLUMN replay_run_id uuid;
CREATE INDEX quarantine_pending_idx ON sluice.quarantine (run_id, id) WHERE replayed_at IS NULL;

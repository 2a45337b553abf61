-- Scheduler and queue bookkeeping: every tick is stored; runs know their queue job and attempt.

ALTER TABLE sluice.runs ADD COLUMN job_id text;
CREATE INDEX runs_active_idx ON sluice.runs (pipeline) WHERE status IN ('queued', 'running');

CREATE TABLE sluice.ticks (
  pipeline text NOT NULL,
  scheduled_at timestamptz NOT NULL,
  evaluated_at timestamptz NOT NULL,
  -- fired: a run was enqueued; skipped/missed: why not.
  outcome text NOT NULL CHECK (outcome IN ('fired', 'skipped', 'missed')),
  reason text,
  run_id uuid,
  PRIMARY KEY (pipeline, scheduled_at)
);
CREATE INDEX ticks_evaluated_idx ON sluice.ticks (evaluated_at DESC);

CREATE TABLE sluice.schedule_state (
  pipeline text PRIMARY KEY,
  last_evaluated_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

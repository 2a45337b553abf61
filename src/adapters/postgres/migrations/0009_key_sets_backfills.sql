-- Key sets (the stored keys of a key dimension, e.g. `sites` with their beacon ids) and backfills
-- (a persisted plan over every partition of a range, with one row per partition).

CREATE TABLE sluice.key_sets (
  name text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sluice.keys (
  key_set text NOT NULL REFERENCES sluice.key_sets (name) ON DELETE CASCADE,
  key text NOT NULL,
  -- Attribute values as strings: they are rendered into templates (`{{site.romma_id}}`).
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key_set, key)
);

CREATE TABLE sluice.backfills (
  id uuid PRIMARY KEY,
  pipeline text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'paused', 'completed', 'failed', 'cancelled')),
  -- The requested range as given (`2025-01-01`), and the instants it covers; NULL without time partitions.
  range_from text,
  range_to text,
  key_filter text[] NOT NULL DEFAULT '{}',
  concurrency integer NOT NULL CHECK (concurrency BETWEEN 1 AND 1000),
  total integer NOT NULL,
  created_by text NOT NULL,
  -- Why the backfill cannot progress (its pipeline left the config, its key set is gone).
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX backfills_status_idx ON sluice.backfills (status, created_at);

CREATE TABLE sluice.backfill_partitions (
  backfill_id uuid NOT NULL REFERENCES sluice.backfills (id) ON DELETE CASCADE,
  -- Position in the plan: window start, then keys; pending partitions start in this order.
  ordinal integer NOT NULL,
  partition_key text NOT NULL,
  -- The grid a dashboard draws: time key (column) × the key dimensions (row), either may be NULL.
  time_key text,
  row_key text,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  -- The queue job of the current attempt: a UUID v5 of (pipeline, partition, attempt).
  job_id uuid,
  run_id uuid,
  last_error text,
  started_at timestamptz,
  finished_at timestamptz,
  PRIMARY KEY (backfill_id, ordinal),
  UNIQUE (backfill_id, partition_key)
);
CREATE INDEX backfill_partitions_status_idx ON sluice.backfill_partitions (backfill_id, status, ordinal);
CREATE INDEX backfill_partitions_job_idx ON sluice.backfill_partitions (job_id);

-- Runs per job (attempts of one partition share a job) and the attempt count of a partition.
CREATE INDEX runs_job_idx ON sluice.runs (job_id);

CREATE FUNCTION sluice.backfill_status_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM sluice.publish_event('backfill:' || NEW.status, jsonb_build_object(
    'id', NEW.id,
    'pipeline', NEW.pipeline,
    'status', NEW.status,
    'total', NEW.total
  ));
  RETURN NULL;
END;
$$;

CREATE TRIGGER backfills_inserted_event AFTER INSERT ON sluice.backfills
  FOR EACH ROW EXECUTE FUNCTION sluice.backfill_status_event();
CREATE TRIGGER backfills_status_event AFTER UPDATE OF status ON sluice.backfills
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION sluice.backfill_status_event();

-- Progress: one event per statement and backfill that changed partition states, with the counts
-- after the change and the partitions that changed (at most 100: a cancel touches them all).
CREATE FUNCTION sluice.backfill_progress_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changed record;
BEGIN
  FOR changed IN
    SELECT n.backfill_id,
           jsonb_agg(jsonb_build_object('partition', n.partition_key, 'status', n.status, 'attempts', n.attempts,
                                        'runId', n.run_id, 'error', n.last_error) ORDER BY n.ordinal) AS partitions
      FROM new_rows n JOIN old_rows o USING (backfill_id, ordinal)
     WHERE n.status IS DISTINCT FROM o.status
     GROUP BY n.backfill_id
  LOOP
    PERFORM sluice.publish_event('backfill:progress', jsonb_build_object(
      'id', changed.backfill_id,
      'pipeline', (SELECT pipeline FROM sluice.backfills WHERE id = changed.backfill_id),
      'status', (SELECT status FROM sluice.backfills WHERE id = changed.backfill_id),
      'counts', (SELECT jsonb_object_agg(status, n) FROM (
                   SELECT status, count(*) AS n FROM sluice.backfill_partitions
                    WHERE backfill_id = changed.backfill_id GROUP BY status) c),
      'partitions', (SELECT jsonb_agg(p) FROM (
                       SELECT p FROM jsonb_array_elements(changed.partitions) p LIMIT 100) limited)
    ));
  END LOOP;
  RETURN NULL;
END;
$$;

CREATE TRIGGER backfill_partitions_progress_event AFTER UPDATE ON sluice.backfill_partitions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION sluice.backfill_progress_event();

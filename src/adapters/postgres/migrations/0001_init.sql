-- Internal tables: runs, quarantined records and the registry of dataset tables.

CREATE TABLE sluice.runs (
  id uuid PRIMARY KEY,
  pipeline text NOT NULL,
  dataset text NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'partial', 'failed', 'skipped', 'cancelled')),
  trigger text NOT NULL DEFAULT 'manual',
  attempt integer NOT NULL DEFAULT 1,
  worker text,
  queued_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  duration_ms bigint,
  fetched bigint NOT NULL DEFAULT 0,
  valid bigint NOT NULL DEFAULT 0,
  rejected bigint NOT NULL DEFAULT 0,
  inserted bigint NOT NULL DEFAULT 0,
  updated bigint NOT NULL DEFAULT 0,
  unchanged bigint NOT NULL DEFAULT 0,
  -- The provider that served the run (the last one when several served parts of it).
  provider text,
  errors jsonb NOT NULL DEFAULT '[]'::jsonb,
  report jsonb,
  upstream_execution_id text,
  heartbeat_at timestamptz
);
CREATE INDEX runs_queued_at_idx ON sluice.runs (queued_at DESC, id DESC);
CREATE INDEX runs_pipeline_idx ON sluice.runs (pipeline, queued_at DESC);
CREATE INDEX runs_status_idx ON sluice.runs (status, queued_at DESC);

CREATE TABLE sluice.quarantine (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id uuid NOT NULL REFERENCES sluice.runs (id) ON DELETE CASCADE,
  pipeline text NOT NULL,
  dataset text NOT NULL,
  raw jsonb,
  issues jsonb NOT NULL,
  origin jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quarantine_run_idx ON sluice.quarantine (run_id);
CREATE INDEX quarantine_dataset_idx ON sluice.quarantine (dataset, created_at DESC);

CREATE TABLE sluice.datasets (
  name text PRIMARY KEY,
  table_schema text NOT NULL,
  table_name text NOT NULL,
  key_columns text[] NOT NULL,
  time_column text NOT NULL,
  columns jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

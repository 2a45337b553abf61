-- Freshness summary: the newest record time of every series of a dataset with `freshness`, kept
-- current by the statement that writes each batch, so reading freshness never scans dataset tables.

CREATE TABLE sluice.freshness_series (
  dataset text NOT NULL,
  -- The series columns' values, e.g. {"base": "EUR", "quote": "USD"}; {} when the dataset is one series.
  series jsonb NOT NULL,
  last_time timestamptz NOT NULL,
  -- The last run and provider that delivered records for this series (not necessarily the newest one).
  last_run_id uuid,
  provider text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- What the freshness monitor last reported ('fresh' or 'stale'); NULL until it first looked.
  -- Compare-and-set on this column makes exactly one process report each transition.
  status text CHECK (status IN ('fresh', 'stale')),
  status_changed_at timestamptz,
  PRIMARY KEY (dataset, series)
);

-- Stalest first within a dataset (ORDER BY last_time, series LIMIT n), and the range scans that
-- count stale series (last_time < cutoff) and find status changes.
CREATE INDEX freshness_series_stalest_idx ON sluice.freshness_series (dataset, last_time, series);

-- Partitioned pipelines: each run collects one partition, named by its key (`2025-W03|site=annecy`).
-- NULL for a pipeline without partitions.

ALTER TABLE sluice.runs ADD COLUMN partition_key text;

-- The partition's history and the "one active run per partition" check.
CREATE INDEX runs_pipeline_partition_idx ON sluice.runs (pipeline, partition_key, queued_at DESC);

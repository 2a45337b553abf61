-- Run-wide last-wins: a run larger than one batch stages its rows in unlogged tables of schema
-- sluice_stage (one per run and write lane) and merges each key once, at the end of the run.
-- `produced` counts the records the transform handed to validation (fetched counts source items).

CREATE SCHEMA IF NOT EXISTS sluice_stage;

ALTER TABLE sluice.runs ADD COLUMN produced bigint NOT NULL DEFAULT 0;
ALTER TABLE sluice.runs ADD COLUMN duplicate_keys bigint NOT NULL DEFAULT 0;

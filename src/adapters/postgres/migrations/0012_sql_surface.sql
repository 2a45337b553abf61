-- The supported SQL surface for BI tools (psql, Metabase, Grafana): read-only views with stable
-- names and columns. The tables behind them may change in later migrations; these views keep
-- their names and existing columns (new columns may be added at the end). See docs/sql.md.

CREATE VIEW sluice.v_runs AS
SELECT r.id AS run_id, r.pipeline, r.dataset, r.partition_key, r.status, r.trigger, r.attempt,
       r.queued_at, r.started_at, r.finished_at, r.duration_ms,
       r.fetched, r.produced, r.valid, r.rejected, r.warned, r.inserted, r.updated, r.unchanged,
       r.duplicate_keys, r.provider, r.upstream_execution_id, r.worker,
       r.errors -> 0 ->> 'message' AS first_error, jsonb_array_length(r.errors) AS error_count
  FROM sluice.runs r;
COMMENT ON VIEW sluice.v_runs IS 'sluice: one row per run (queued, running or finished), with the counts the database reported';

CREATE VIEW sluice.v_quarantine AS
SELECT q.id AS quarantine_id, q.dataset, q.pipeline, q.run_id AS first_run_id, q.last_run_id, q.stage,
       q.origin ->> 'file' AS origin_file, q.origin ->> 'url' AS origin_url,
       (q.origin ->> 'line')::bigint AS origin_line, q.origin ->> 'sheet' AS origin_sheet,
       q.raw, q.record, q.issues, q.occurrences, q.created_at AS first_seen_at, q.last_seen_at,
       q.replayed_at, q.replay_run_id
  FROM sluice.quarantine q;
COMMENT ON VIEW sluice.v_quarantine IS 'sluice: records refused by a run, with the raw value as received and the issues found';

CREATE VIEW sluice.v_freshness AS
SELECT f.dataset, f.series, f.last_time, now() - f.last_time AS age, f.status, f.status_changed_at,
       f.provider, f.last_run_id, f.updated_at
  FROM sluice.freshness_series f;
COMMENT ON VIEW sluice.v_freshness IS 'sluice: the newest record time of each series of datasets that declare freshness; status is the monitor''s last verdict (fresh or stale, NULL before its first check)';

CREATE VIEW sluice.v_backfill_partitions AS
SELECT p.backfill_id, b.pipeline, b.status AS backfill_status, p.ordinal, p.partition_key, p.time_key,
       p.row_key, p.status, p.attempts, p.run_id, p.last_error, p.started_at, p.finished_at,
       b.created_at AS backfill_created_at, b.created_by AS backfill_created_by
  FROM sluice.backfill_partitions p
  JOIN sluice.backfills b ON b.id = p.backfill_id;
COMMENT ON VIEW sluice.v_backfill_partitions IS 'sluice: every partition of every backfill with its state, attempts and last run';

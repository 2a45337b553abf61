-- Quarantine identity: a record is known by its dataset, where it came from (file or url, line,
-- sheet), a hash of its raw value and its output index. A repeat counts an occurrence instead of
-- adding a row. `raw` is the source item as received; `record` the transform output validation refused.
ALTER TABLE sluice.quarantine ADD COLUMN record jsonb;
ALTER TABLE sluice.quarantine ADD COLUMN output_index integer NOT NULL DEFAULT -1;
ALTER TABLE sluice.quarantine ADD COLUMN origin_key text;
ALTER TABLE sluice.quarantine ADD COLUMN raw_hash text;
ALTER TABLE sluice.quarantine ADD COLUMN occurrences bigint NOT NULL DEFAULT 1;
ALTER TABLE sluice.quarantine ADD COLUMN last_seen_at timestamptz;
ALTER TABLE sluice.quarantine ADD COLUMN last_run_id uuid;
-- Rows stored before this change kept the transform's output as raw for validate and rule rejects:
-- their source item is lost, so replay re-validates that output instead of transforming it again.
ALTER TABLE sluice.quarantine ADD COLUMN raw_kept boolean NOT NULL DEFAULT true;

UPDATE sluice.quarantine
   SET origin_key = jsonb_build_array(origin -> 'file', origin -> 'url', origin -> 'line', origin -> 'sheet')::text,
       raw_hash = md5(coalesce(raw, 'null'::jsonb)::text),
       last_seen_at = created_at,
       last_run_id = run_id,
       record = CASE WHEN stage IN ('validate', 'rule') THEN raw END,
       raw_kept = stage NOT IN ('validate', 'rule');

-- Collapse duplicates into the oldest row: it keeps the first sighting, counts all of them, and
-- takes the latest run, issues and replay state.
WITH grouped AS (
  SELECT id,
         first_value(id) OVER w AS keep_id,
         count(*) OVER w AS n,
         max(created_at) OVER w AS last_seen,
         last_value(run_id) OVER w AS last_run,
         last_value(issues) OVER w AS last_issues,
         last_value(replayed_at) OVER w AS last_replayed_at,
         last_value(replay_run_id) OVER w AS last_replay_run_id
    FROM sluice.quarantine
  WINDOW w AS (PARTITION BY dataset, origin_key, raw_hash, output_index ORDER BY id
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
)
UPDATE sluice.quarantine q
   SET occurrences = g.n, last_seen_at = g.last_seen, last_run_id = g.last_run, issues = g.last_issues,
       replayed_at = g.last_replayed_at, replay_run_id = g.last_replay_run_id
  FROM grouped g
 WHERE q.id = g.id AND g.id = g.keep_id AND g.n > 1;
DELETE FROM sluice.quarantine q
 WHERE EXISTS (
   SELECT 1 FROM sluice.quarantine k
    WHERE k.dataset = q.dataset AND k.origin_key = q.origin_key AND k.raw_hash = q.raw_hash
      AND k.output_index = q.output_index AND k.id < q.id);

ALTER TABLE sluice.quarantine ALTER COLUMN origin_key SET NOT NULL;
ALTER TABLE sluice.quarantine ALTER COLUMN raw_hash SET NOT NULL;
ALTER TABLE sluice.quarantine ALTER COLUMN last_seen_at SET NOT NULL;
ALTER TABLE sluice.quarantine ALTER COLUMN last_seen_at SET DEFAULT now();
ALTER TABLE sluice.quarantine ALTER COLUMN last_run_id SET NOT NULL;
CREATE UNIQUE INDEX quarantine_identity_idx ON sluice.quarantine (dataset, origin_key, raw_hash, output_index);
CREATE INDEX quarantine_last_run_idx ON sluice.quarantine (last_run_id) WHERE replayed_at IS NULL;

// Keeps every rejected record with its reason, so nothing a source delivered is silently lost.
import type { QuarantineSink, RejectedRecord } from '../../engine/ports.ts';
import type { QuarantinedRecord, QuarantineFilter, QuarantineQueries } from '../../engine/quarantine.ts';
import type { Queryable } from './database.ts';
import { decodeTagged, encodeTagged, toJsonb } from './jsonb.ts';

export function createQuarantineStore(db: Queryable): QuarantineSink {
  return {
    // One statement per batch: repeats inside the batch are counted together, and a record already
    // quarantined (same dataset, origin, raw hash and output index) counts another occurrence.
    async add(run, records: readonly RejectedRecord[]) {
      if (records.length === 0) return;
      await db.query(
        `INSERT INTO sluice.quarantine AS q (run_id, last_run_id, pipeline, dataset, raw, record, output_index,
                issues, origin, stage, origin_key, raw_hash, occurrences)
         SELECT $1, $1, $2, $3, raw, record, output_index, issues, origin, stage, origin_key, raw_hash, n
           FROM (SELECT DISTINCT ON (origin_key, raw_hash, output_index) *,
                        count(*) OVER (PARTITION BY origin_key, raw_hash, output_index) AS n
                   FROM (SELECT u.*,
                                jsonb_build_array(u.origin -> 'file', u.origin -> 'url', u.origin -> 'line',
                                                  u.origin -> 'sheet')::text AS origin_key,
                                md5(u.raw::text) AS raw_hash
                           FROM unnest($4::jsonb[], $5::jsonb[], $6::int[], $7::jsonb[], $8::jsonb[], $9::text[])
                                WITH ORDINALITY AS u(raw, record, output_index, issues, origin, stage, ord)) s
                  ORDER BY origin_key, raw_hash, output_index, ord DESC) d
         ON CONFLICT (dataset, origin_key, raw_hash, output_index) DO UPDATE
            SET occurrences = q.occurrences + EXCLUDED.occurrences, last_seen_at = now(),
                last_run_id = EXCLUDED.last_run_id, issues = EXCLUDED.issues, record = EXCLUDED.record,
                stage = EXCLUDED.stage, origin = EXCLUDED.origin, raw_kept = true,
                replayed_at = NULL, replay_run_id = NULL`,
        [
          run.runId,
          run.pipeline,
          run.dataset,
          records.map((record) => toJsonb(encodeTagged(record.raw))),
          records.map((record) =>
            record.record === undefined ? null : toJsonb(encodeTagged(record.record)),
          ),
          records.map((record) => record.outputIndex ?? -1),
          records.map((record) => toJsonb(record.issues)),
          records.map((record) => toJsonb(withoutReplayMark(record.origin))),
          records.map((record) => record.stage),
        ],
      );
    },
  };
}

/** The quarantine mark a replay puts on an origin is not part of where the record came from. */
function withoutReplayMark(origin: RejectedRecord['origin']): RejectedRecord['origin'] {
  if (origin.quarantine === undefined) return origin;
  const { quarantine: _mark, ...rest } = origin;
  return rest;
}

interface QuarantineRow {
  id: number;
  run_id: string;
  pipeline: string;
  dataset: string;
  stage: RejectedRecord['stage'];
  raw: unknown;
  record: unknown;
  output_index: number;
  raw_kept: boolean;
  issues: RejectedRecord['issues'];
  origin: RejectedRecord['origin'];
  occurrences: string | number;
  created_at: Date;
  last_seen_at: Date;
  last_run_id: string;
  replayed_at: Date | null;
  replay_run_id: string | null;
}

const COLUMNS =
  'id, run_id, pipeline, dataset, stage, raw, record, output_index, raw_kept, issues, origin, occurrences, ' +
  'created_at, last_seen_at, last_run_id, replayed_at, replay_run_id';

function toRecord(row: QuarantineRow): QuarantinedRecord {
  return {
    id: Number(row.id),
    runId: row.run_id,
    pipeline: row.pipeline,
    dataset: row.dataset,
    stage: row.stage,
    raw: row.raw_kept ? decodeTagged(row.raw) : row.raw,
    record: row.record === null ? undefined : decodeTagged(row.record),
    outputIndex: row.output_index < 0 ? null : row.output_index,
    rawKept: row.raw_kept,
    issues: row.issues,
    origin: row.origin,
    occurrences: Number(row.occurrences),
    createdAt: row.created_at.toISOString(),
    lastSeenAt: row.last_seen_at.toISOString(),
    lastRunId: row.last_run_id,
    replayedAt: row.replayed_at?.toISOString() ?? null,
    replayRunId: row.replay_run_id,
  };
}

export async function listQuarantine(db: Queryable, filter: QuarantineFilter): Promise<QuarantinedRecord[]> {
  const { rows } = await db.query<QuarantineRow>(
    `SELECT ${COLUMNS} FROM sluice.quarantine
      WHERE ($1::uuid IS NULL OR run_id = $1 OR last_run_id = $1) AND ($2::text IS NULL OR dataset = $2)
        AND (NOT $3::boolean OR replayed_at IS NULL) AND ($4::bigint IS NULL OR id < $4)
        AND ($6::text IS NULL OR stage = $6)
        AND ($7::text IS NULL OR issues @> jsonb_build_array(jsonb_build_object('code', $7::text)))
      ORDER BY id DESC LIMIT $5`,
    [
      filter.runId ?? null,
      filter.dataset ?? null,
      filter.pending ?? false,
      filter.beforeId ?? null,
      filter.limit,
      filter.stage ?? null,
      filter.reason ?? null,
    ],
  );
  return rows.map(toRecord);
}

/** The records a run quarantined (first or last) still waiting for a replay, oldest first. */
export async function pendingReplay(db: Queryable, runId: string): Promise<QuarantinedRecord[]> {
  const { rows } = await db.query<QuarantineRow>(
    `SELECT ${COLUMNS} FROM sluice.quarantine
      WHERE (run_id = $1 OR last_run_id = $1) AND replayed_at IS NULL ORDER BY id`,
    [runId],
  );
  return rows.map(toRecord);
}

/**
 * Marks records as replayed by a run when they passed: those the replay run quarantined again
 * (their last run is the replay run) stay pending, with one more occurrence.
 */
export async function markReplayed(
  db: Queryable,
  ids: readonly number[],
  replayRunId: string,
): Promise<number> {
  const { rowCount } = await db.query(
    'UPDATE sluice.quarantine SET replayed_at = now(), replay_run_id = $2 WHERE id = ANY($1::bigint[]) AND replayed_at IS NULL AND last_run_id <> $2',
    [ids, replayRunId],
  );
  return rowCount;
}

/** The stored quarantine as the application browses and replays it. */
export function createQuarantineQueries(db: Queryable): QuarantineQueries {
  return {
    list: (filter) => listQuarantine(db, filter),
    pending: (runId) => pendingReplay(db, runId),
    markReplayed: (ids, replayRunId) => markReplayed(db, ids, replayRunId),
  };
}

// Keeps every rejected record with its reason, so nothing a source delivered is silently lost.
import type { QuarantineSink, RejectedRecord } from '../../engine/ports.ts';
import type { Queryable } from './database.ts';
import { toJsonb } from './jsonb.ts';

export function createQuarantineStore(db: Queryable): QuarantineSink {
  return {
    async add(run, records: readonly RejectedRecord[]) {
      if (records.length === 0) return;
      await db.query(
        `INSERT INTO sluice.quarantine (run_id, pipeline, dataset, raw, issues, origin, stage)
         SELECT $1, $2, $3, raw, issues, origin, stage
           FROM unnest($4::jsonb[], $5::jsonb[], $6::jsonb[], $7::text[]) AS u(raw, issues, origin, stage)`,
        [
          run.runId,
          run.pipeline,
          run.dataset,
          records.map((record) => toJsonb(record.raw === undefined ? null : record.raw)),
          records.map((record) => toJsonb(record.issues)),
          records.map((record) => toJsonb(record.origin)),
          records.map((record) => record.stage),
        ],
      );
    },
  };
}

export interface QuarantinedRecord {
  id: number;
  runId: string;
  pipeline: string;
  dataset: string;
  stage: RejectedRecord['stage'];
  raw: unknown;
  issues: RejectedRecord['issues'];
  origin: RejectedRecord['origin'];
  createdAt: string;
  replayedAt: string | null;
  replayRunId: string | null;
}

interface QuarantineRow {
  id: number;
  run_id: string;
  pipeline: string;
  dataset: string;
  stage: RejectedRecord['stage'];
  raw: unknown;
  issues: RejectedRecord['issues'];
  origin: RejectedRecord['origin'];
  created_at: Date;
  replayed_at: Date | null;
  replay_run_id: string | null;
}

const COLUMNS =
  'id, run_id, pipeline, dataset, stage, raw, issues, origin, created_at, replayed_at, replay_run_id';

function toRecord(row: QuarantineRow): QuarantinedRecord {
  return {
    id: Number(row.id),
    runId: row.run_id,
    pipeline: row.pipeline,
    dataset: row.dataset,
    stage: row.stage,
    raw: row.raw,
    issues: row.issues,
    origin: row.origin,
    createdAt: row.created_at.toISOString(),
    replayedAt: row.replayed_at?.toISOString() ?? null,
    replayRunId: row.replay_run_id,
  };
}

export interface QuarantineFilter {
  runId?: string;
  dataset?: string;
  /** Only records not replayed yet. */
  pending?: boolean;
  /** Records with an id below this one (keyset paging, newest first). */
  beforeId?: number;
  limit: number;
}

export async function listQuarantine(db: Queryable, filter: QuarantineFilter): Promise<QuarantinedRecord[]> {
  const { rows } = await db.query<QuarantineRow>(
    `SELECT ${COLUMNS} FROM sluice.quarantine
      WHERE ($1::uuid IS NULL OR run_id = $1) AND ($2::text IS NULL OR dataset = $2)
        AND (NOT $3::boolean OR replayed_at IS NULL) AND ($4::bigint IS NULL OR id < $4)
      ORDER BY id DESC LIMIT $5`,
    [
      filter.runId ?? null,
      filter.dataset ?? null,
      filter.pending ?? false,
      filter.beforeId ?? null,
      filter.limit,
    ],
  );
  return rows.map(toRecord);
}

/** The records of a run still waiting for a replay, oldest first. */
export async function pendingReplay(db: Queryable, runId: string): Promise<QuarantinedRecord[]> {
  const { rows } = await db.query<QuarantineRow>(
    `SELECT ${COLUMNS} FROM sluice.quarantine WHERE run_id = $1 AND replayed_at IS NULL ORDER BY id`,
    [runId],
  );
  return rows.map(toRecord);
}

/** Marks records as replayed by a run: they passed now, or were quarantined again by that run. */
export async function markReplayed(
  db: Queryable,
  ids: readonly number[],
  replayRunId: string,
): Promise<number> {
  const { rowCount } = await db.query(
    'UPDATE sluice.quarantine SET replayed_at = now(), replay_run_id = $2 WHERE id = ANY($1::bigint[]) AND replayed_at IS NULL',
    [ids, replayRunId],
  );
  return rowCount;
}

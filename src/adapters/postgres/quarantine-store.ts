// Keeps every rejected record with its reason, so nothing a source delivered is silently lost.
import type { QuarantineSink, RejectedRecord } from '../../engine/ports.ts';
import type { Queryable } from './database.ts';
import { toJsonb } from './jsonb.ts';

export function createQuarantineStore(db: Queryable): QuarantineSink {
  return {
    async add(run, records: readonly RejectedRecord[]) {
      if (records.length === 0) return;
      await db.query(
        `INSERT INTO sluice.quarantine (run_id, pipeline, dataset, raw, issues, origin)
         SELECT $1, $2, $3, raw, issues, origin
           FROM unnest($4::jsonb[], $5::jsonb[], $6::jsonb[]) AS u(raw, issues, origin)`,
        [
          run.runId,
          run.pipeline,
          run.dataset,
          records.map((record) => toJsonb(record.raw === undefined ? null : record.raw)),
          records.map((record) => toJsonb(record.issues)),
          records.map((record) => toJsonb(record.origin)),
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
  raw: unknown;
  issues: RejectedRecord['issues'];
  origin: RejectedRecord['origin'];
  createdAt: string;
}

export async function listQuarantine(
  db: Queryable,
  filter: { runId?: string; dataset?: string; limit: number },
): Promise<QuarantinedRecord[]> {
  const { rows } = await db.query<{
    id: number;
    run_id: string;
    pipeline: string;
    dataset: string;
    raw: unknown;
    issues: RejectedRecord['issues'];
    origin: RejectedRecord['origin'];
    created_at: Date;
  }>(
    `SELECT id, run_id, pipeline, dataset, raw, issues, origin, created_at FROM sluice.quarantine
      WHERE ($1::uuid IS NULL OR run_id = $1) AND ($2::text IS NULL OR dataset = $2)
      ORDER BY id DESC LIMIT $3`,
    [filter.runId ?? null, filter.dataset ?? null, filter.limit],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    runId: row.run_id,
    pipeline: row.pipeline,
    dataset: row.dataset,
    raw: row.raw,
    issues: row.issues,
    origin: row.origin,
    createdAt: row.created_at.toISOString(),
  }));
}

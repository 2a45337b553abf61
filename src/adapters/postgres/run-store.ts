// Persists runs (written before work starts, updated as it goes) and reads their history.
import { NotFoundError } from '../../domain/errors.ts';
import type { RunCounts, RunErrorEntry, RunStatus } from '../../domain/run-status.ts';
import type { FinishedRun, NewRun, RunProgress, RunReport, RunStore } from '../../engine/ports.ts';
import type { Queryable } from './database.ts';
import { toJsonb } from './jsonb.ts';

export function createRunStore(db: Queryable): RunStore {
  return {
    async start(run: NewRun) {
      await db.query(
        `INSERT INTO sluice.runs (id, pipeline, dataset, status, trigger, queued_at, started_at, heartbeat_at)
         VALUES ($1, $2, $3, 'running', $4, $5, $5, $5)`,
        [run.id, run.pipeline, run.dataset, run.trigger, run.startedAt],
      );
    },
    async progress(runId: string, progress: RunProgress) {
      const c = progress.counts;
      await db.query(
        `UPDATE sluice.runs SET fetched = $2, valid = $3, rejected = $4, inserted = $5, updated = $6, unchanged = $7,
                provider = coalesce($8, provider), heartbeat_at = now()
          WHERE id = $1`,
        [
          runId,
          c.fetched,
          c.valid,
          c.rejected,
          c.inserted,
          c.updated,
          c.unchanged,
          progress.provider ?? null,
        ],
      );
    },
    async finish(runId: string, run: FinishedRun) {
      const c = run.counts;
      await db.query(
        `UPDATE sluice.runs SET status = $2, fetched = $3, valid = $4, rejected = $5, inserted = $6, updated = $7,
                unchanged = $8, provider = coalesce($9, provider), finished_at = $10, duration_ms = $11,
                errors = $12::jsonb, report = $13::jsonb, heartbeat_at = now()
          WHERE id = $1`,
        [
          runId,
          run.status,
          c.fetched,
          c.valid,
          c.rejected,
          c.inserted,
          c.updated,
          c.unchanged,
          run.provider ?? null,
          run.finishedAt,
          run.durationMs,
          toJsonb(run.errors),
          toJsonb(run.report),
        ],
      );
    },
  };
}

export interface RunRecord extends RunCounts {
  id: string;
  pipeline: string;
  dataset: string;
  status: RunStatus;
  trigger: string;
  attempt: number;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  provider: string | null;
  errors: RunErrorEntry[];
  upstreamExecutionId: string | null;
}

export interface RunDetail extends RunRecord {
  report: RunReport | null;
}

interface RunRow {
  id: string;
  pipeline: string;
  dataset: string;
  status: RunStatus;
  trigger: string;
  attempt: number;
  queued_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  fetched: number;
  valid: number;
  rejected: number;
  inserted: number;
  updated: number;
  unchanged: number;
  provider: string | null;
  errors: RunErrorEntry[];
  upstream_execution_id: string | null;
  report?: RunReport | null;
}

const RUN_COLUMNS = `id, pipeline, dataset, status, trigger, attempt, queued_at, started_at, finished_at, duration_ms,
  fetched, valid, rejected, inserted, updated, unchanged, provider, errors, upstream_execution_id`;

function toRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    pipeline: row.pipeline,
    dataset: row.dataset,
    status: row.status,
    trigger: row.trigger,
    attempt: row.attempt,
    queuedAt: row.queued_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    fetched: Number(row.fetched),
    valid: Number(row.valid),
    rejected: Number(row.rejected),
    inserted: Number(row.inserted),
    updated: Number(row.updated),
    unchanged: Number(row.unchanged),
    provider: row.provider,
    errors: row.errors,
    upstreamExecutionId: row.upstream_execution_id,
  };
}

export interface RunFilter {
  pipeline?: string;
  status?: RunStatus;
  /** Runs queued at or after. */
  from?: Date;
  /** Runs queued before. */
  to?: Date;
  /** Continue after this run (keyset pagination on queued_at, id). */
  after?: { queuedAt: string; id: string };
  limit: number;
}

export async function listRuns(db: Queryable, filter: RunFilter): Promise<RunRecord[]> {
  const { rows } = await db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM sluice.runs
      WHERE ($1::text IS NULL OR pipeline = $1) AND ($2::text IS NULL OR status = $2)
        AND ($3::timestamptz IS NULL OR queued_at >= $3) AND ($4::timestamptz IS NULL OR queued_at < $4)
        AND ($5::timestamptz IS NULL OR (queued_at, id) < ($5, $6::uuid))
      ORDER BY queued_at DESC, id DESC LIMIT $7`,
    [
      filter.pipeline ?? null,
      filter.status ?? null,
      filter.from ?? null,
      filter.to ?? null,
      filter.after?.queuedAt ?? null,
      filter.after?.id ?? null,
      filter.limit,
    ],
  );
  return rows.map(toRecord);
}

export async function getRun(db: Queryable, id: string): Promise<RunDetail> {
  const valid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
  const { rows } = valid
    ? await db.query<RunRow>(`SELECT ${RUN_COLUMNS}, report FROM sluice.runs WHERE id = $1`, [id])
    : { rows: [] };
  const row = rows[0];
  if (!row) throw new NotFoundError(`run "${id}" not found`);
  return { ...toRecord(row), report: row.report ?? null };
}

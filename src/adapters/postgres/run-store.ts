// Persists runs (written before work starts, updated as it goes) and reads their history.
import { ConflictError, ErrorCode, NotFoundError } from '../../domain/errors.ts';
import type { RunErrorEntry, RunStatus } from '../../domain/run-status.ts';
import type { FinishedRun, NewRun, RunProgress, RunReport, RunStore } from '../../engine/ports.ts';
import type { RunDetail, RunFilter, RunQueries, RunRecord } from '../../engine/runs.ts';
import type { Queryable } from './database.ts';
import { MIN_ID_PREFIX, resolveIdPrefix } from './id-prefix.ts';
import { toJsonb } from './jsonb.ts';

// queue/run-dispatch.ts still takes RunDetail from here; the types live in engine/runs.ts.
export type { RunDetail, RunRecord } from '../../engine/runs.ts';

export function createRunStore(db: Queryable): RunStore {
  return {
    async start(run: NewRun) {
      // A queued run already has its row: it becomes running. A direct run gets its row now.
      const { rowCount } = await db.query(
        `INSERT INTO sluice.runs (id, pipeline, dataset, status, trigger, attempt, worker, job_id, partition_key,
           queued_at, started_at, heartbeat_at)
         VALUES ($1, $2, $3, 'running', $4, $6, $7, $8, $9, $5, $5, $5)
         ON CONFLICT (id) DO UPDATE SET status = 'running', started_at = excluded.started_at,
           heartbeat_at = excluded.heartbeat_at, attempt = excluded.attempt, worker = excluded.worker,
           partition_key = coalesce(sluice.runs.partition_key, excluded.partition_key)
         WHERE sluice.runs.status = 'queued'`,
        [
          run.id,
          run.pipeline,
          run.dataset,
          run.trigger,
          run.startedAt,
          run.attempt ?? 1,
          run.worker ?? null,
          run.jobId ?? null,
          run.partitionKey ?? null,
        ],
      );
      if (rowCount === 0)
        throw new ConflictError(`run ${run.id} is not queued any more; another attempt owns it`);
    },
    async progress(runId: string, progress: RunProgress) {
      const c = progress.counts;
      await db.query(
        `UPDATE sluice.runs SET fetched = $2, valid = $3, rejected = $4, inserted = $5, updated = $6, unchanged = $7,
                provider = coalesce($8, provider), produced = $9, heartbeat_at = now()
          WHERE id = $1 AND status = 'running'`,
        [
          runId,
          c.fetched,
          c.valid,
          c.rejected,
          c.inserted,
          c.updated,
          c.unchanged,
          progress.provider ?? null,
          c.produced,
        ],
      );
    },
    async finish(runId: string, run: FinishedRun) {
      // Like progress, only while the run is still `running`: a run cancelled by hand or
      // abandoned (and recounted) meanwhile keeps that outcome; this process no longer owns it.
      const c = run.counts;
      await db.query(
        `UPDATE sluice.runs SET status = $2, fetched = $3, valid = $4, rejected = $5, inserted = $6, updated = $7,
                unchanged = $8, provider = coalesce($9, provider), finished_at = $10, duration_ms = $11,
                errors = $12::jsonb, report = $13::jsonb, warned = $14, produced = $15, duplicate_keys = $16,
                heartbeat_at = now()
          WHERE id = $1 AND status = 'running'`,
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
          run.report.quality.warned,
          c.produced,
          run.duplicateKeys,
        ],
      );
    },
  };
}

/** Records a run as queued, before any work: the history shows it from this moment. */
export async function enqueueRun(
  db: Queryable,
  run: {
    id: string;
    pipeline: string;
    dataset: string;
    trigger: string;
    jobId: string | null;
    partitionKey?: string | undefined;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO sluice.runs (id, pipeline, dataset, status, trigger, job_id, partition_key)
     VALUES ($1, $2, $3, 'queued', $4, $5, $6)`,
    [run.id, run.pipeline, run.dataset, run.trigger, run.jobId, run.partitionKey ?? null],
  );
}

/**
 * The run of a pipeline that is queued or running, if any: max one active run per pipeline, or
 * per partition when `partitionKey` is given (partitions of one pipeline run side by side).
 */
export async function activeRun(
  db: Queryable,
  pipeline: string,
  partitionKey?: string,
): Promise<{ id: string; status: string } | undefined> {
  const { rows } = await db.query<{ id: string; status: string }>(
    `SELECT id, status FROM sluice.runs
      WHERE pipeline = $1 AND ($2::text IS NULL OR partition_key = $2) AND status IN ('queued', 'running')
      ORDER BY queued_at DESC LIMIT 1`,
    [pipeline, partitionKey ?? null],
  );
  return rows[0];
}

/**
 * Marks the runs of a queue job that are still `running` as failed: their worker stopped (it was
 * killed or lost its database) and the job is being retried, or (with another `code`) the run
 * could not start for a reason no retry fixes. Writes from that attempt are then
 * refused, because the writer only writes for a run that is still running.
 */
export async function abandonRuns(
  db: Queryable,
  jobId: string,
  reason: string,
  code: string = ErrorCode.abandoned,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE sluice.runs SET status = 'failed', finished_at = now(),
            duration_ms = (extract(epoch FROM now() - started_at) * 1000)::bigint,
            errors = errors || jsonb_build_array(jsonb_build_object('code', $3::text, 'message', $2::text, 'at', now()))
      WHERE job_id = $1 AND status IN ('running', 'queued') RETURNING id`,
    [jobId, reason, code],
  );
  return rows.map((row) => row.id);
}

interface RunRow {
  id: string;
  pipeline: string;
  dataset: string;
  status: RunStatus;
  trigger: string;
  partition_key: string | null;
  attempt: number;
  queued_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  fetched: number;
  produced: number;
  valid: number;
  rejected: number;
  inserted: number;
  updated: number;
  unchanged: number;
  duplicate_keys: number;
  provider: string | null;
  errors: RunErrorEntry[];
  upstream_execution_id: string | null;
  report?: RunReport | null;
}

const RUN_COLUMNS = `id, pipeline, dataset, status, trigger, partition_key, attempt, queued_at, started_at, finished_at, duration_ms,
  fetched, produced, valid, rejected, inserted, updated, unchanged, duplicate_keys, provider, errors, upstream_execution_id`;

function toRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    pipeline: row.pipeline,
    dataset: row.dataset,
    status: row.status,
    trigger: row.trigger,
    partitionKey: row.partition_key,
    attempt: row.attempt,
    queuedAt: row.queued_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
    fetched: Number(row.fetched),
    produced: Number(row.produced),
    valid: Number(row.valid),
    rejected: Number(row.rejected),
    inserted: Number(row.inserted),
    updated: Number(row.updated),
    unchanged: Number(row.unchanged),
    duplicateKeys: Number(row.duplicate_keys),
    provider: row.provider,
    errors: row.errors,
    upstreamExecutionId: row.upstream_execution_id,
  };
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

/** The shortest run id prefix accepted, in hex characters: what the CLI prints. */
export const MIN_RUN_ID_PREFIX = MIN_ID_PREFIX;

/**
 * The full id of the run `text` names: a full UUID, or a unique prefix of at least
 * {@link MIN_RUN_ID_PREFIX} hex characters (dashes optional), as the CLI prints it.
 */
export function resolveRunId(db: Queryable, text: string): Promise<string> {
  return resolveIdPrefix(db, 'run', text);
}

/** One run by its full id or a unique prefix of it (see {@link resolveRunId}). */
export async function getRun(db: Queryable, idOrPrefix: string): Promise<RunDetail> {
  const id = await resolveRunId(db, idOrPrefix);
  const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS}, report FROM sluice.runs WHERE id = $1`, [
    id,
  ]);
  const row = rows[0];
  if (!row) throw new NotFoundError(`run "${idOrPrefix}" not found`);
  return { ...toRecord(row), report: row.report ?? null };
}

/** The stored runs as the runs section of the application reads them. */
export function createRunQueries(db: Queryable): RunQueries {
  return {
    list: (filter) => listRuns(db, filter),
    get: (idOrPrefix) => getRun(db, idOrPrefix),
    resolveId: (text) => resolveRunId(db, text),
  };
}

/**
 * The attempt number the next run of each partition gets: one more than the queue jobs its runs
 * had so far (retries after a crash share their job, so they do not count).
 */
export async function nextPartitionAttempts(
  db: Queryable,
  pipeline: string,
  partitionKeys: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await db.query<{ partition_key: string; jobs: number | string }>(
    `SELECT partition_key, count(DISTINCT coalesce(job_id, id::text)) AS jobs FROM sluice.runs
      WHERE pipeline = $1 AND partition_key = ANY($2::text[]) GROUP BY partition_key`,
    [pipeline, [...partitionKeys]],
  );
  const attempts = new Map(partitionKeys.map((key) => [key, 1]));
  for (const row of rows) attempts.set(row.partition_key, Number(row.jobs) + 1);
  return attempts;
}

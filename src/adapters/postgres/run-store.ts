// Persists runs (written before work starts, updated as it goes) and reads their history.
import { ConflictError, ErrorCode, NotFoundError } from '../../domain/errors.ts';
import type { RunErrorEntry, RunStatus } from '../../domain/run-status.ts';
import type { FinishedRun, NewRun, RunProgress, RunReport, RunStore } from '../../engine/ports.ts';
import type { RunDetail, RunRecord } from '../../engine/run-record.ts';
import type { RunFilter, RunQueries } from '../../engine/runs.ts';
import type { Queryable } from './database.ts';
import { MIN_ID_PREFIX, resolveIdPrefix } from './id-prefix.ts';
import { toJsonb } from './jsonb.ts';

export function createRunStore(db: Queryable): RunStore {
  return {
    async start(run: NewRun) {
      // A queued run already has its row: it becomes running. A direct run gets its row now.
      const inserted = await insertRuns(db, [{ ...run, status: 'running' }]);
      if (inserted === 0)
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

/** A run row as it is first written: queued (a worker will start it) or running (started here). */
export type NewRunRow =
  | {
      status: 'queued';
      id: string;
      pipeline: string;
      dataset: string;
      trigger: string;
      jobId: string | null;
      partitionKey?: string | undefined;
    }
  | (NewRun & { status: 'running' });

/**
 * Writes run rows, the one `INSERT INTO sluice.runs`. A running row whose id is already queued
 * takes that row over (the worker starts a queued run); a row whose id exists otherwise is not
 * written. Returns how many rows were written or taken over.
 */
export async function insertRuns(db: Queryable, runs: readonly NewRunRow[]): Promise<number> {
  if (runs.length === 0) return 0;
  const started = (run: NewRunRow) => (run.status === 'running' ? run : undefined);
  const { rowCount } = await db.query(
    `INSERT INTO sluice.runs (id, pipeline, dataset, status, trigger, attempt, worker, job_id, partition_key,
       queued_at, started_at, heartbeat_at)
     SELECT u.id, u.pipeline, u.dataset, u.status, u.trigger, u.attempt, u.worker, u.job_id, u.partition_key,
            coalesce(u.started_at, now()), u.started_at, u.started_at
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[],
                   $9::text[], $10::timestamptz[])
         AS u(id, pipeline, dataset, status, trigger, attempt, worker, job_id, partition_key, started_at)
     ON CONFLICT (id) DO UPDATE SET status = 'running', started_at = excluded.started_at,
       heartbeat_at = excluded.heartbeat_at, attempt = excluded.attempt, worker = excluded.worker,
       partition_key = coalesce(sluice.runs.partition_key, excluded.partition_key)
     WHERE sluice.runs.status = 'queued' AND excluded.status = 'running'`,
    [
      runs.map((run) => run.id),
      runs.map((run) => run.pipeline),
      runs.map((run) => run.dataset),
      runs.map((run) => run.status),
      runs.map((run) => run.trigger),
      runs.map((run) => started(run)?.attempt ?? 1),
      runs.map((run) => started(run)?.worker ?? null),
      runs.map((run) => run.jobId ?? null),
      runs.map((run) => run.partitionKey ?? null),
      runs.map((run) => started(run)?.startedAt.toISOString() ?? null),
    ],
  );
  return rowCount;
}

/**
 * Records runs as queued, before any work: the history shows them from this moment. An id that
 * already exists is a ConflictError (a deterministic partition run id queued twice).
 */
export async function enqueueRuns(
  db: Queryable,
  runs: ReadonlyArray<Omit<Extract<NewRunRow, { status: 'queued' }>, 'status'>>,
): Promise<void> {
  // In a unit of its own (or the caller's), so a conflict leaves none of the rows written.
  await db.transaction(async (tx) => {
    const written = await insertRuns(
      tx,
      runs.map((run) => ({ ...run, status: 'queued' as const })),
    );
    if (written !== runs.length)
      throw new ConflictError(`${runs.length - written} of the runs to queue already exist`);
  });
}

/** Records one run as queued (see {@link enqueueRuns}). */
export function enqueueRun(
  db: Queryable,
  run: Omit<Extract<NewRunRow, { status: 'queued' }>, 'status'>,
): Promise<void> {
  return enqueueRuns(db, [run]);
}

/**
 * The queued or running run of each slot (pipeline, or pipeline and partition), the latest when
 * several: at most one active run per pipeline, or per partition (partitions run side by side).
 * A slot without a partition matches only the runs without one.
 */
export async function activeRuns(
  db: Queryable,
  slots: ReadonlyArray<{ pipeline: string; partitionKey?: string | undefined }>,
): Promise<Array<{ pipeline: string; partitionKey: string | undefined; id: string; status: string }>> {
  if (slots.length === 0) return [];
  const { rows } = await db.query<{
    pipeline: string;
    partition_key: string | null;
    id: string;
    status: string;
  }>(
    `SELECT DISTINCT ON (r.pipeline, r.partition_key) r.pipeline, r.partition_key, r.id, r.status FROM sluice.runs r
       JOIN unnest($1::text[], $2::text[]) AS t(pipeline, partition_key)
         ON r.pipeline = t.pipeline AND r.partition_key IS NOT DISTINCT FROM t.partition_key
      WHERE r.status IN ('queued', 'running') ORDER BY r.pipeline, r.partition_key, r.queued_at DESC`,
    [slots.map((slot) => slot.pipeline), slots.map((slot) => slot.partitionKey ?? null)],
  );
  return rows.map((row) => ({
    pipeline: row.pipeline,
    partitionKey: row.partition_key ?? undefined,
    id: row.id,
    status: row.status,
  }));
}

/** The active run of one pipeline (or, with `partitionKey`, one partition), if any: see {@link activeRuns}. */
export async function activeRun(
  db: Queryable,
  pipeline: string,
  partitionKey?: string,
): Promise<{ id: string; status: string } | undefined> {
  const [active] = await activeRuns(db, [{ pipeline, partitionKey }]);
  return active && { id: active.id, status: active.status };
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

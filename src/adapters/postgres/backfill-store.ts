// Persists backfills and their partitions: the plan, the actions, and the dispatch and settling of
// partitions. Every state change happens in one statement or transaction, so a process killed at
// any point leaves each partition in exactly one state.
import {
  type BackfillAction,
  type BackfillPlan,
  type BackfillStatus,
  backfillAfter,
  emptyPartitionCounts,
  type PartitionCounts,
  type PartitionState,
  retriedStates,
  settledStatus,
} from '../../domain/backfill.ts';
import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import { deterministicRunId } from '../../domain/partition-set.ts';
import type { Queryable } from './database.ts';

export interface BackfillRecord {
  id: string;
  pipeline: string;
  status: BackfillStatus;
  from: string | null;
  to: string | null;
  keys: string[];
  concurrency: number;
  total: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  error: string | null;
  counts: PartitionCounts;
}

export interface BackfillPartitionRecord {
  ordinal: number;
  partition: string;
  timeKey: string | null;
  rowKey: string | null;
  status: PartitionState;
  attempts: number;
  runId: string | null;
  lastError: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

interface BackfillRow {
  id: string;
  pipeline: string;
  status: BackfillStatus;
  range_from: string | null;
  range_to: string | null;
  key_filter: string[];
  concurrency: number;
  total: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  error: string | null;
  counts: Partial<Record<PartitionState, number | string>> | null;
}

const BACKFILL_SELECT = `SELECT b.id, b.pipeline, b.status, b.range_from, b.range_to, b.key_filter, b.concurrency, b.total,
    b.created_by, b.created_at, b.updated_at, b.finished_at, b.error,
    (SELECT jsonb_object_agg(status, n) FROM (
       SELECT status, count(*) AS n FROM sluice.backfill_partitions WHERE backfill_id = b.id GROUP BY status) c) AS counts
  FROM sluice.backfills b`;

function toRecord(row: BackfillRow): BackfillRecord {
  const counts = emptyPartitionCounts();
  for (const [state, n] of Object.entries(row.counts ?? {})) {
    counts[state as PartitionState] = Number(n);
    counts.total += Number(n);
  }
  return {
    id: row.id,
    pipeline: row.pipeline,
    status: row.status,
    from: row.range_from,
    to: row.range_to,
    keys: row.key_filter,
    concurrency: row.concurrency,
    total: row.total,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    error: row.error,
    counts,
  };
}

export interface NewBackfill {
  id: string;
  pipeline: string;
  plan: BackfillPlan;
  keys: readonly string[];
  concurrency: number;
  createdBy: string;
}

/** Stores a backfill and all its partitions, pending, in one transaction. */
export async function createBackfill(db: Queryable, backfill: NewBackfill): Promise<BackfillRecord> {
  const partitions = backfill.plan.partitions;
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO sluice.backfills (id, pipeline, status, range_from, range_to, key_filter, concurrency, total, created_by)
       VALUES ($1, $2, 'active', $3, $4, $5, $6, $7, $8)`,
      [
        backfill.id,
        backfill.pipeline,
        backfill.plan.from ?? null,
        backfill.plan.to ?? null,
        [...backfill.keys],
        backfill.concurrency,
        partitions.length,
        backfill.createdBy,
      ],
    );
    await tx.query(
      `INSERT INTO sluice.backfill_partitions (backfill_id, ordinal, partition_key, time_key, row_key)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[])`,
      [
        backfill.id,
        partitions.map((p) => p.ordinal),
        partitions.map((p) => p.partitionKey),
        partitions.map((p) => p.timeKey ?? null),
        partitions.map((p) => p.rowKey ?? null),
      ],
    );
  });
  return getBackfill(db, backfill.id);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function missing(id: string): NotFoundError {
  return new NotFoundError(`backfill ${id} does not exist (sluice backfill list shows them)`);
}

/** Backfill ids are UUIDs; anything else names no backfill (checked here so the lookup uses the key). */
function backfillId(id: string): string {
  if (!UUID.test(id)) throw missing(id);
  return id;
}

export async function getBackfill(db: Queryable, id: string): Promise<BackfillRecord> {
  const { rows } = await db.query<BackfillRow>(`${BACKFILL_SELECT} WHERE b.id = $1`, [backfillId(id)]);
  const row = rows[0];
  if (!row) throw missing(id);
  return toRecord(row);
}

export async function listBackfills(
  db: Queryable,
  filter: { pipeline?: string; status?: BackfillStatus; limit?: number } = {},
): Promise<BackfillRecord[]> {
  const { rows } = await db.query<BackfillRow>(
    `${BACKFILL_SELECT} WHERE ($1::text IS NULL OR b.pipeline = $1) AND ($2::text IS NULL OR b.status = $2)
      ORDER BY b.created_at DESC, b.id DESC LIMIT $3`,
    [filter.pipeline ?? null, filter.status ?? null, filter.limit ?? 50],
  );
  return rows.map(toRecord);
}

interface PartitionRow {
  ordinal: number;
  partition_key: string;
  time_key: string | null;
  row_key: string | null;
  status: PartitionState;
  attempts: number;
  run_id: string | null;
  last_error: string | null;
  started_at: Date | null;
  finished_at: Date | null;
}

export async function backfillPartitions(db: Queryable, id: string): Promise<BackfillPartitionRecord[]> {
  const { rows } = await db.query<PartitionRow>(
    `SELECT ordinal, partition_key, time_key, row_key, status, attempts, run_id, last_error, started_at, finished_at
       FROM sluice.backfill_partitions WHERE backfill_id = $1 ORDER BY ordinal`,
    [id],
  );
  return rows.map((row) => ({
    ordinal: row.ordinal,
    partition: row.partition_key,
    timeKey: row.time_key,
    rowKey: row.row_key,
    status: row.status,
    attempts: row.attempts,
    runId: row.run_id,
    lastError: row.last_error,
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
  }));
}

interface LockedBackfill {
  id: string;
  pipeline: string;
  status: BackfillStatus;
  concurrency: number;
}

async function lockBackfill(tx: Queryable, id: string): Promise<LockedBackfill> {
  const { rows } = await tx.query<LockedBackfill>(
    `SELECT id, pipeline, status, concurrency FROM sluice.backfills WHERE id = $1 FOR UPDATE`,
    [backfillId(id)],
  );
  const row = rows[0];
  if (!row) throw missing(id);
  return row;
}

/**
 * Pause, resume, cancel or retry-failed. Pause and cancel let running partitions finish; cancel
 * marks the pending ones cancelled; retry-failed puts failed partitions back to pending.
 */
export async function applyBackfillAction(
  db: Queryable,
  id: string,
  action: BackfillAction,
): Promise<BackfillRecord> {
  await db.transaction(async (tx) => {
    const row = await lockBackfill(tx, id);
    const next = backfillAfter(row.status, action);
    if (action === 'cancel') {
      await tx.query(
        `UPDATE sluice.backfill_partitions SET status = 'cancelled', finished_at = now()
          WHERE backfill_id = $1 AND status = 'pending'`,
        [row.id],
      );
    }
    if (action === 'retry-failed') {
      const { rowCount } = await tx.query(
        `UPDATE sluice.backfill_partitions SET status = 'pending', finished_at = NULL
          WHERE backfill_id = $1 AND status = ANY($2::text[])`,
        [row.id, retriedStates(row.status)],
      );
      if (rowCount === 0 && row.status !== 'active' && row.status !== 'paused') {
        throw new ConflictError(`backfill ${row.id} has no failed partitions to retry`);
      }
    }
    await tx.query(
      `UPDATE sluice.backfills SET status = $2, updated_at = now(),
              finished_at = CASE WHEN $2 IN ('active', 'paused') THEN NULL ELSE finished_at END
        WHERE id = $1`,
      [row.id, next],
    );
    await finishIfSettled(tx, row.id);
  });
  return getBackfill(db, id);
}

/** Puts one partition back to pending (it may not be running) and reopens a finished backfill. */
export async function retryBackfillPartition(
  db: Queryable,
  id: string,
  partitionKey: string,
): Promise<BackfillRecord> {
  await db.transaction(async (tx) => {
    const row = await lockBackfill(tx, id);
    const { rows } = await tx.query<{ status: PartitionState }>(
      `SELECT status FROM sluice.backfill_partitions WHERE backfill_id = $1 AND partition_key = $2 FOR UPDATE`,
      [row.id, partitionKey],
    );
    const partition = rows[0];
    if (!partition) throw new NotFoundError(`backfill ${row.id} has no partition "${partitionKey}"`);
    if (partition.status === 'running' || partition.status === 'pending') {
      throw new ConflictError(
        `partition "${partitionKey}" is ${partition.status}; it will run without a retry`,
      );
    }
    await tx.query(
      `UPDATE sluice.backfill_partitions SET status = 'pending', finished_at = NULL
        WHERE backfill_id = $1 AND partition_key = $2`,
      [row.id, partitionKey],
    );
    if (row.status !== 'active' && row.status !== 'paused') {
      await tx.query(
        `UPDATE sluice.backfills SET status = 'active', updated_at = now(), finished_at = NULL WHERE id = $1`,
        [row.id],
      );
    }
  });
  return getBackfill(db, id);
}

/** The active backfills allowed to progress now: the oldest `maxActive`; the others wait. */
export async function progressingBackfills(
  db: Queryable,
  maxActive: number,
): Promise<Array<{ id: string; pipeline: string }>> {
  const { rows } = await db.query<{ id: string; pipeline: string }>(
    `SELECT id, pipeline FROM sluice.backfills WHERE status = 'active' ORDER BY created_at, id LIMIT $1`,
    [maxActive],
  );
  return rows;
}

/** A partition taken for a run: the run row exists (queued) and the job must be enqueued with it. */
export interface DispatchedPartition {
  backfillId: string;
  pipeline: string;
  partitionKey: string;
  runId: string;
}

export interface DispatchResult {
  dispatched: DispatchedPartition[];
  /** Set when the backfill ended in this call. */
  finished: BackfillStatus | undefined;
}

/**
 * Takes up to (concurrency − running) pending partitions of an active backfill, in plan order,
 * skipping those with an active run elsewhere (a schedule tick or a trigger), and records a queued
 * run for each, with a deterministic id per (pipeline, partition, attempt). `enqueue` runs in the
 * same transaction, so a job exists exactly when its partition is running. Ends the backfill when
 * nothing is left.
 */
export async function dispatchBackfill(
  db: Queryable,
  id: string,
  options: {
    dataset: string;
    enqueue: (tx: Queryable, partitions: DispatchedPartition[]) => Promise<void>;
  },
): Promise<DispatchResult> {
  return db.transaction(async (tx) => {
    const row = await lockBackfill(tx, id);
    if (row.status !== 'active') return { dispatched: [], finished: undefined };
    // One statement: the free slots, the next pending partitions without an active run elsewhere,
    // the trigger lock of each (tried, not waited for: a held one is left for later, so a tick and
    // a backfill cannot deadlock) and each one's next attempt number.
    const { rows: candidates } = await tx.query<{ partition_key: string; locked: boolean; attempt: number }>(
      `WITH free AS (
         SELECT greatest($3::int - count(*), 0) AS n FROM sluice.backfill_partitions
          WHERE backfill_id = $1 AND status = 'running'),
       candidates AS (
         SELECT bp.ordinal, bp.partition_key FROM sluice.backfill_partitions bp
          WHERE bp.backfill_id = $1 AND bp.status = 'pending'
            AND NOT EXISTS (SELECT 1 FROM sluice.runs r WHERE r.pipeline = $2 AND r.partition_key = bp.partition_key
                              AND r.status IN ('queued', 'running'))
          ORDER BY bp.ordinal LIMIT (SELECT n FROM free))
       SELECT c.partition_key,
              pg_try_advisory_xact_lock(hashtext('sluice.trigger:' || $2 || '|' || c.partition_key)) AS locked,
              (SELECT count(DISTINCT coalesce(r.job_id, r.id::text)) FROM sluice.runs r
                WHERE r.pipeline = $2 AND r.partition_key = c.partition_key)::int + 1 AS attempt
         FROM candidates c ORDER BY c.ordinal`,
      [row.id, row.pipeline, row.concurrency],
    );
    const locked = candidates.filter((candidate) => candidate.locked);
    if (locked.length === 0) {
      if (candidates.length > 0) return { dispatched: [], finished: undefined };
      return { dispatched: [], finished: await finishIfSettled(tx, row.id) };
    }
    const dispatched = locked.map(
      (candidate): DispatchedPartition => ({
        backfillId: row.id,
        pipeline: row.pipeline,
        partitionKey: candidate.partition_key,
        runId: deterministicRunId(row.pipeline, candidate.partition_key, candidate.attempt),
      }),
    );
    await tx.query(
      `WITH u AS (SELECT * FROM unnest($4::uuid[], $5::text[]) AS u(id, partition_key)),
       runs AS (
         INSERT INTO sluice.runs (id, pipeline, dataset, status, trigger, job_id, partition_key)
         SELECT u.id, $1, $2, 'queued', $3, u.id, u.partition_key FROM u)
       UPDATE sluice.backfill_partitions bp SET status = 'running', attempts = bp.attempts + 1, job_id = u.id,
              run_id = u.id, last_error = NULL, started_at = now(), finished_at = NULL
         FROM u WHERE bp.backfill_id = $6 AND bp.partition_key = u.partition_key`,
      [
        row.pipeline,
        options.dataset,
        `backfill:${row.id}`,
        dispatched.map((d) => d.runId),
        dispatched.map((d) => d.partitionKey),
        row.id,
      ],
    );
    await options.enqueue(tx, dispatched);
    return { dispatched, finished: undefined };
  });
}

/** Ends a backfill with nothing pending or running; returns its final status when it ended now. */
async function finishIfSettled(tx: Queryable, id: string): Promise<BackfillStatus | undefined> {
  const { rows } = await tx.query<BackfillRow>(`${BACKFILL_SELECT} WHERE b.id = $1`, [id]);
  const row = rows[0];
  if (!row) return undefined;
  const record = toRecord(row);
  const next = settledStatus(record.status, record.counts);
  if (next === undefined || (next === record.status && record.finishedAt !== null)) return undefined;
  await tx.query(
    `UPDATE sluice.backfills SET status = $2, finished_at = now(), updated_at = now() WHERE id = $1`,
    [id, next],
  );
  return next;
}

/**
 * Records how a partition's run ended, by its queue job; returns the backfill id, or undefined
 * when the job is no backfill's current attempt (a retried partition got a new job meanwhile).
 */
export async function settleBackfillPartition(
  db: Queryable,
  outcome: { jobId: string; runId: string; state: PartitionState; error: string | null },
): Promise<string | undefined> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ backfill_id: string }>(
      `UPDATE sluice.backfill_partitions SET status = $3, run_id = $2, last_error = $4, finished_at = now()
        WHERE job_id = $1 AND status = 'running' RETURNING backfill_id`,
      [outcome.jobId, outcome.runId, outcome.state, outcome.error],
    );
    const backfillId = rows[0]?.backfill_id;
    if (backfillId) {
      // Only a settle that may be the last takes the backfill's lock (dispatch holds it); a finish
      // missed by two concurrent last settles is made by the next pump pass (dispatchBackfill).
      const { rows: open } = await tx.query<{ open: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM sluice.backfill_partitions WHERE backfill_id = $1
            AND status IN ('pending', 'running')) AS open`,
        [backfillId],
      );
      if (!open[0]?.open) {
        await tx.query(`SELECT 1 FROM sluice.backfills WHERE id = $1 FOR UPDATE`, [backfillId]);
        await finishIfSettled(tx, backfillId);
      }
    }
    return backfillId;
  });
}

/** Running partitions started over `olderThanSeconds` ago, with their job: checked against the queue. */
export async function longRunningPartitions(
  db: Queryable,
  olderThanSeconds: number,
): Promise<Array<{ backfillId: string; partitionKey: string; jobId: string }>> {
  const { rows } = await db.query<{ backfill_id: string; partition_key: string; job_id: string }>(
    `SELECT backfill_id, partition_key, job_id FROM sluice.backfill_partitions
      WHERE status = 'running' AND started_at < now() - make_interval(secs => $1) ORDER BY started_at LIMIT 200`,
    [olderThanSeconds],
  );
  return rows.map((row) => ({
    backfillId: row.backfill_id,
    partitionKey: row.partition_key,
    jobId: row.job_id,
  }));
}

/** The last run of a queue job (attempts after a crash share the job). */
export async function lastRunOfJob(
  db: Queryable,
  jobId: string,
): Promise<{ id: string; status: string; error: string | null } | undefined> {
  const { rows } = await db.query<{ id: string; status: string; error: string | null }>(
    `SELECT id, status, errors -> -1 ->> 'message' AS error FROM sluice.runs
      WHERE job_id = $1 ORDER BY queued_at DESC LIMIT 1`,
    [jobId],
  );
  return rows[0];
}

/** Marks a backfill that cannot progress (its pipeline is gone): failed, with the reason. */
export async function failBackfill(db: Queryable, id: string, error: string): Promise<void> {
  await db.query(
    `UPDATE sluice.backfills SET status = 'failed', error = $2, finished_at = now(), updated_at = now()
      WHERE id = $1 AND status = 'active'`,
    [id, error],
  );
}

// The pump's side of backfills: which backfills may progress, starting pending partitions (run,
// partition state and queue job in one transaction), settling them, and repairing lost ones.
import { deterministicRunId } from '../../domain/partition-set.ts';
import type {
  BackfillProgressStore,
  DispatchedPartition,
  DispatchResult,
  PartitionOutcome,
} from '../../engine/backfill-pump.ts';
import { finishIfSettled, lockBackfill } from './backfill-store.ts';
import type { Queryable } from './database.ts';
import { abandonRuns, enqueueRuns } from './run-store.ts';
import { triggerLockKey } from './trigger-lock.ts';

/** Enqueues the jobs of dispatched partitions inside the transaction that dispatched them. */
export type EnqueuePartitions = (tx: Queryable, partitions: DispatchedPartition[]) => Promise<void>;

/** The pump's store on this database; `enqueue` puts the jobs of started partitions on the queue. */
export function createBackfillProgressStore(
  db: Queryable,
  enqueue: EnqueuePartitions,
): BackfillProgressStore {
  return {
    progressing: (maxActive) => progressingBackfills(db, maxActive),
    dispatch: (backfillId, dataset) => dispatchBackfill(db, backfillId, { dataset, enqueue }),
    fail: (backfillId, error) => failBackfill(db, backfillId, error),
    longRunning: (olderThanSeconds) => longRunningPartitions(db, olderThanSeconds),
    lastRunOfJob: (jobId) => lastRunOfJob(db, jobId),
    abandonJobRuns: async (jobId, reason) => {
      await abandonRuns(db, jobId, reason);
    },
    settle: (outcome) => settleBackfillPartition(db, outcome),
  };
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
    enqueue: EnqueuePartitions;
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
              pg_try_advisory_xact_lock(${triggerLockKey("$2 || '|' || c.partition_key")}) AS locked,
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
    await enqueueRuns(
      tx,
      dispatched.map((d) => ({
        id: d.runId,
        pipeline: row.pipeline,
        dataset: options.dataset,
        trigger: `backfill:${row.id}`,
        jobId: d.runId,
        partitionKey: d.partitionKey,
      })),
    );
    await tx.query(
      `UPDATE sluice.backfill_partitions bp SET status = 'running', attempts = bp.attempts + 1, job_id = u.id,
              run_id = u.id, last_error = NULL, started_at = now(), finished_at = NULL
         FROM unnest($1::uuid[], $2::text[]) AS u(id, partition_key)
        WHERE bp.backfill_id = $3 AND bp.partition_key = u.partition_key`,
      [dispatched.map((d) => d.runId), dispatched.map((d) => d.partitionKey), row.id],
    );
    await options.enqueue(tx, dispatched);
    return { dispatched, finished: undefined };
  });
}

/**
 * Records how a partition's run ended, by its queue job; returns the backfill id, or undefined
 * when the job is no backfill's current attempt (a retried partition got a new job meanwhile).
 */
export async function settleBackfillPartition(
  db: Queryable,
  outcome: PartitionOutcome,
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

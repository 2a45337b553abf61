// Starting runs: queued through pg-boss (serve/worker) or in this process, one active run per
// pipeline or partition.
import { randomUUID } from 'node:crypto';
import { ConflictError, errorMessage } from '../../domain/errors.ts';
import { resolvePartitionRun } from '../../domain/partition-run.ts';
import { deterministicRunId } from '../../domain/partition-set.ts';
import type { ResolvedPipeline } from '../../domain/pipeline-definition.ts';
import { terminalStatuses } from '../../domain/run-status.ts';
import type { Sluice } from '../../main.ts';
import type { Queryable } from '../postgres/database.ts';
import {
  abandonRuns,
  activeRun,
  enqueueRun,
  getRun,
  nextPartitionAttempts,
  type RunDetail,
} from '../postgres/run-store.ts';
import type { RunQueue } from './run-queue.ts';

export interface RunDispatcher {
  /**
   * Starts or queues a run now and returns its id; a ConflictError when one is already active for
   * the pipeline (or the partition), a UsageError when the partition does not fit the pipeline.
   */
  trigger(pipeline: string, trigger: string, partition?: string): Promise<string>;
}

export interface TriggerTarget {
  pipeline: string;
  /** Required for a partitioned pipeline. */
  partition?: string;
}

export interface BulkTrigger {
  queued: Array<{ pipeline: string; partition?: string; runId: string }>;
  /** Targets left out because they already had an active run. */
  skipped: Array<{ pipeline: string; partition?: string; activeRunId: string }>;
}

const slotOf = (pipeline: string, partition: string | undefined) =>
  partition === undefined ? pipeline : `${pipeline}|${partition}`;

/**
 * The id of a new run: random for an unpartitioned pipeline, and for a partition a UUID v5 of
 * (pipeline, partition, attempt), so the same attempt enqueued twice is the same job.
 */
async function newRunIds(
  tx: Queryable,
  targets: ReadonlyArray<{ pipeline: string; partition: string | undefined }>,
): Promise<string[]> {
  const partitioned = targets.filter((target) => target.partition !== undefined);
  const attempts = new Map<string, number>();
  for (const pipeline of new Set(partitioned.map((target) => target.pipeline))) {
    const keys = partitioned.filter((t) => t.pipeline === pipeline).map((t) => t.partition ?? '');
    for (const [key, attempt] of await nextPartitionAttempts(tx, pipeline, keys)) {
      attempts.set(slotOf(pipeline, key), attempt);
    }
  }
  return targets.map(({ pipeline, partition }) =>
    partition === undefined
      ? randomUUID()
      : deterministicRunId(pipeline, partition, attempts.get(slotOf(pipeline, partition)) ?? 1),
  );
}

/** Checks that the partition fits the pipeline (and its stored keys); returns its canonical key. */
async function checkedPartition(
  sluice: Sluice,
  tx: Queryable,
  pipeline: ResolvedPipeline,
  partition: string | undefined,
): Promise<string | undefined> {
  const keySets = pipeline.partitioning ? await sluice.keySets(pipeline, tx) : undefined;
  return resolvePartitionRun(pipeline, partition, keySets).partition?.key;
}

/**
 * Queues one run for each of many targets in one transaction and one pg-boss insert. Locks are
 * taken in slot order, so concurrent bulk triggers cannot deadlock.
 */
export async function triggerMany(
  sluice: Sluice,
  queue: RunQueue,
  targets: readonly TriggerTarget[],
  trigger: string,
): Promise<BulkTrigger> {
  const result = await sluice.db.transaction(async (tx) => {
    const wanted = new Map<string, { pipeline: ResolvedPipeline; partition: string | undefined }>();
    for (const target of targets) {
      const pipeline = sluice.pipeline(target.pipeline);
      const partition = await checkedPartition(sluice, tx, pipeline, target.partition);
      wanted.set(slotOf(pipeline.name, partition), { pipeline, partition });
    }
    const slots = [...wanted.keys()].sort();
    await tx.query(
      `SELECT pg_advisory_xact_lock(hashtext('sluice.trigger:' || s)) FROM unnest($1::text[]) AS s ORDER BY s`,
      [slots],
    );
    const list = slots.map(
      (slot) => wanted.get(slot) as { pipeline: ResolvedPipeline; partition: string | undefined },
    );
    // An unpartitioned pipeline has one active run at most; a partition has one of its own.
    const { rows: active } = await tx.query<{ pipeline: string; partition_key: string | null; id: string }>(
      `SELECT DISTINCT ON (r.pipeline, r.partition_key) r.pipeline, r.partition_key, r.id FROM sluice.runs r
         JOIN unnest($1::text[], $2::text[]) AS t(pipeline, partition_key)
           ON r.pipeline = t.pipeline AND r.partition_key IS NOT DISTINCT FROM t.partition_key
        WHERE r.status IN ('queued', 'running') ORDER BY r.pipeline, r.partition_key, r.queued_at DESC`,
      [list.map((t) => t.pipeline.name), list.map((t) => t.partition ?? null)],
    );
    const busy = new Map(active.map((row) => [slotOf(row.pipeline, row.partition_key ?? undefined), row.id]));
    const free = list
      .filter((t) => !busy.has(slotOf(t.pipeline.name, t.partition)))
      .map((t) => ({ pipeline: t.pipeline.name, dataset: t.pipeline.into.name, partition: t.partition }));
    const ids = await newRunIds(tx, free);
    const queued = free.map((t, index) => ({ ...t, runId: ids[index] ?? randomUUID() }));
    await tx.query(
      `INSERT INTO sluice.runs (id, pipeline, dataset, status, trigger, job_id, partition_key)
       SELECT id, pipeline, dataset, 'queued', $5, id, partition_key
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS u(id, pipeline, dataset, partition_key)`,
      [
        queued.map((q) => q.runId),
        queued.map((q) => q.pipeline),
        queued.map((q) => q.dataset),
        queued.map((q) => q.partition ?? null),
        trigger,
      ],
    );
    const withPartition = <T extends object>(value: T, partition: string | undefined) =>
      partition === undefined ? value : { ...value, partition };
    return {
      queued: queued.map((q) => withPartition({ pipeline: q.pipeline, runId: q.runId }, q.partition)),
      skipped: list
        .filter((t) => busy.has(slotOf(t.pipeline.name, t.partition)))
        .map((t) =>
          withPartition(
            { pipeline: t.pipeline.name, activeRunId: busy.get(slotOf(t.pipeline.name, t.partition)) ?? '' },
            t.partition,
          ),
        ),
    };
  });
  await queue.enqueueMany(result.queued.map((q) => ({ ...q, trigger })));
  return result;
}

/**
 * Records the run as queued, unless the pipeline (or, with `partitionKey`, that partition)
 * already has an active run. The check and the insert happen under a transaction-scoped advisory
 * lock per pipeline or partition, so two processes triggering at once cannot both pass the check.
 * A partition must fit the pipeline; its run id is deterministic per (pipeline, partition, attempt).
 */
export async function recordQueuedRun(
  db: Queryable,
  sluice: Sluice,
  pipeline: string,
  trigger: string,
  partitionKey?: string,
): Promise<string> {
  const definition = sluice.pipeline(pipeline);
  return db.transaction(async (tx) => {
    const partition = await checkedPartition(sluice, tx, definition, partitionKey);
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('sluice.trigger:' || $1))`, [
      slotOf(definition.name, partition),
    ]);
    const active = await activeRun(tx, definition.name, partition);
    if (active) {
      const what = partition === undefined ? '' : ` partition ${partition}`;
      throw new ConflictError(
        `pipeline "${definition.name}"${what} already has an active run (${active.id}, ${active.status})`,
      );
    }
    const [runId = randomUUID()] = await newRunIds(tx, [{ pipeline: definition.name, partition }]);
    await enqueueRun(tx, {
      id: runId,
      pipeline: definition.name,
      dataset: definition.into.name,
      trigger,
      jobId: runId,
      partitionKey: partition,
    });
    return runId;
  });
}

export function queueDispatcher(sluice: Sluice, queue: RunQueue): RunDispatcher {
  return {
    async trigger(pipeline, trigger, partition) {
      // A run whose process died no longer blocks the trigger, even between two sweeps.
      await sluice.abandonStaleRuns();
      const runId = await recordQueuedRun(sluice.db, sluice, pipeline, trigger, partition);
      try {
        await queue.enqueue({ runId, pipeline, trigger, ...(partition === undefined ? {} : { partition }) });
      } catch (error) {
        await abandonRuns(sluice.db, runId, `could not be queued: ${errorMessage(error)}`);
        throw error;
      }
      return runId;
    },
  };
}

export function inProcessDispatcher(sluice: Sluice): RunDispatcher {
  return {
    async trigger(pipeline, trigger, partition) {
      // A run whose process died no longer blocks the trigger, even between two sweeps.
      await sluice.abandonStaleRuns();
      const runId = await recordQueuedRun(sluice.db, sluice, pipeline, trigger, partition);
      return sluice.launch(pipeline, { trigger, runId, ...(partition === undefined ? {} : { partition }) })
        .runId;
    },
  };
}

/** Waits until a run (of any process) reaches a terminal status; polls the runs table. */
export async function waitForRun(db: Queryable, runId: string, timeoutMs: number): Promise<RunDetail> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    const run = await getRun(db, runId);
    if (terminalStatuses.includes(run.status) || Date.now() >= deadline) return run;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

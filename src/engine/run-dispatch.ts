// Starting runs: queued for the workers or launched in this process, one active run per pipeline
// or partition; the checks and inserts happen in one atomic unit under the slot's trigger lock.
import { randomUUID } from 'node:crypto';
import { ConflictError, errorMessage } from '../domain/errors.ts';
import { resolvePartitionRun } from '../domain/partition-run.ts';
import { deterministicRunId, type KeySets } from '../domain/partition-set.ts';
import type { ResolvedPipeline } from '../domain/pipeline-definition.ts';
import { runSlot } from '../domain/run-slot.ts';
import { terminalStatuses } from '../domain/run-status.ts';
import type { RunJobs } from './run-jobs.ts';
import type { RunDetail } from './run-record.ts';

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

/** A run slot: a pipeline, or one partition of it. */
export interface RunSlotRef {
  pipeline: string;
  partitionKey?: string | undefined;
}

/** What queueing runs does inside one atomic unit (a transaction the store owns). */
export interface DispatchUnit {
  /** The stored key sets the pipeline's key dimensions read, seen from inside the unit. */
  keySets(pipeline: ResolvedPipeline): Promise<KeySets>;
  /** Waits for the trigger lock of each slot (runSlot form), in the order given; held until the unit ends. */
  lockSlots(slots: readonly string[]): Promise<void>;
  /** The queued or running run of each slot that has one (the latest). */
  activeRuns(slots: readonly RunSlotRef[]): Promise<Array<RunSlotRef & { id: string; status: string }>>;
  /** The attempt number the next run of each partition gets (one more than its jobs so far). */
  nextPartitionAttempts(pipeline: string, partitionKeys: readonly string[]): Promise<Map<string, number>>;
  /** Records runs as queued, each with its own id as its job id. */
  enqueueRuns(
    runs: ReadonlyArray<{
      id: string;
      pipeline: string;
      dataset: string;
      trigger: string;
      partitionKey?: string;
    }>,
  ): Promise<void>;
}

export interface RunDispatchStore {
  /** Runs `work` as one atomic unit: everything commits together or nothing does. */
  atomically<T>(work: (unit: DispatchUnit) => Promise<T>): Promise<T>;
  /** Fails the queued or running runs of a job with the reason; returns their ids. */
  abandonJob(jobId: string, reason: string): Promise<string[]>;
  /** One run by its id (a NotFoundError when there is none). */
  getRun(id: string): Promise<RunDetail>;
}

export interface RunDispatchPorts {
  store: RunDispatchStore;
  pipeline(name: string): ResolvedPipeline;
  /** Fails runs whose process died first, so they no longer block a trigger between two sweeps. */
  abandonStaleRuns(): Promise<unknown>;
  /** Starts a queued run in this process (see Pipelines.launch). */
  launch(name: string, options: { trigger: string; runId: string; partition?: string }): { runId: string };
}

/**
 * The id of a new run: random for an unpartitioned pipeline, and for a partition a UUID v5 of
 * (pipeline, partition, attempt), so the same attempt enqueued twice is the same job.
 */
async function newRunIds(
  unit: DispatchUnit,
  targets: ReadonlyArray<{ pipeline: string; partition: string | undefined }>,
): Promise<string[]> {
  const partitioned = targets.filter((target) => target.partition !== undefined);
  const attempts = new Map<string, number>();
  for (const pipeline of new Set(partitioned.map((target) => target.pipeline))) {
    const keys = partitioned.filter((t) => t.pipeline === pipeline).map((t) => t.partition ?? '');
    for (const [key, attempt] of await unit.nextPartitionAttempts(pipeline, keys)) {
      attempts.set(runSlot(pipeline, key), attempt);
    }
  }
  return targets.map(({ pipeline, partition }) =>
    partition === undefined
      ? randomUUID()
      : deterministicRunId(pipeline, partition, attempts.get(runSlot(pipeline, partition)) ?? 1),
  );
}

/** Checks that the partition fits the pipeline (and its stored keys); returns its canonical key. */
async function checkedPartition(
  unit: DispatchUnit,
  pipeline: ResolvedPipeline,
  partition: string | undefined,
): Promise<string | undefined> {
  const keySets = pipeline.partitioning ? await unit.keySets(pipeline) : undefined;
  return resolvePartitionRun(pipeline, partition, keySets).partition?.key;
}

/**
 * Records the run as queued, unless the pipeline (or, with `partitionKey`, that partition)
 * already has an active run. The check and the insert happen under the slot's trigger lock, held
 * until the unit ends, so two processes triggering at once cannot both pass the check. A
 * partition must fit the pipeline; its run id is deterministic per (pipeline, partition, attempt).
 */
export async function queueRun(
  unit: DispatchUnit,
  definition: ResolvedPipeline,
  trigger: string,
  partitionKey?: string,
): Promise<string> {
  const partition = await checkedPartition(unit, definition, partitionKey);
  await unit.lockSlots([runSlot(definition.name, partition)]);
  const [active] = await unit.activeRuns([{ pipeline: definition.name, partitionKey: partition }]);
  if (active) {
    const what = partition === undefined ? '' : ` partition ${partition}`;
    throw new ConflictError(
      `pipeline "${definition.name}"${what} already has an active run (${active.id}, ${active.status})`,
    );
  }
  const [runId = randomUUID()] = await newRunIds(unit, [{ pipeline: definition.name, partition }]);
  await unit.enqueueRuns([
    {
      id: runId,
      pipeline: definition.name,
      dataset: definition.into.name,
      trigger,
      ...(partition === undefined ? {} : { partitionKey: partition }),
    },
  ]);
  return runId;
}

export interface RunDispatch {
  /** Triggers run in this process (`sluice serve` without a queue, the API in tests). */
  inProcess(): RunDispatcher;
  /** Triggers are queued for the workers; a run whose job cannot be sent is failed with the reason. */
  queued(jobs: RunJobs): RunDispatcher;
  /**
   * Queues one run for each of many targets in one unit and one queue insert; targets whose slot
   * is busy are skipped. Locks are taken in slot order, so concurrent bulk triggers cannot deadlock.
   */
  triggerMany(jobs: RunJobs, targets: readonly TriggerTarget[], trigger: string): Promise<BulkTrigger>;
  /** Waits until a run (of any process) reaches a terminal status, at most `timeoutMs`; polls. */
  wait(runId: string, timeoutMs: number): Promise<RunDetail>;
}

export function createRunDispatch(ports: RunDispatchPorts): RunDispatch {
  const { store } = ports;
  const record = (pipeline: string, trigger: string, partition: string | undefined) => {
    const definition = ports.pipeline(pipeline);
    return store.atomically((unit) => queueRun(unit, definition, trigger, partition));
  };
  const withPartition = <T extends object>(value: T, partition: string | undefined) =>
    partition === undefined ? value : { ...value, partition };

  return {
    inProcess: () => ({
      async trigger(pipeline, trigger, partition) {
        // A run whose process died no longer blocks the trigger, even between two sweeps.
        await ports.abandonStaleRuns();
        const runId = await record(pipeline, trigger, partition);
        return ports.launch(pipeline, { trigger, runId, ...withPartition({}, partition) }).runId;
      },
    }),
    queued: (jobs) => ({
      async trigger(pipeline, trigger, partition) {
        // A run whose process died no longer blocks the trigger, even between two sweeps.
        await ports.abandonStaleRuns();
        const runId = await record(pipeline, trigger, partition);
        try {
          await jobs.enqueue(withPartition({ runId, pipeline, trigger }, partition));
        } catch (error) {
          await store.abandonJob(runId, `could not be queued: ${errorMessage(error)}`);
          throw error;
        }
        return runId;
      },
    }),
    async triggerMany(jobs, targets, trigger) {
      const result = await store.atomically(async (unit) => {
        const wanted = new Map<string, { pipeline: ResolvedPipeline; partition: string | undefined }>();
        for (const target of targets) {
          const pipeline = ports.pipeline(target.pipeline);
          const partition = await checkedPartition(unit, pipeline, target.partition);
          wanted.set(runSlot(pipeline.name, partition), { pipeline, partition });
        }
        const slots = [...wanted.keys()].sort();
        await unit.lockSlots(slots);
        const list = slots.map(
          (slot) => wanted.get(slot) as { pipeline: ResolvedPipeline; partition: string | undefined },
        );
        // An unpartitioned pipeline has one active run at most; a partition has one of its own.
        const active = await unit.activeRuns(
          list.map((t) => ({ pipeline: t.pipeline.name, partitionKey: t.partition })),
        );
        const busy = new Map(active.map((run) => [runSlot(run.pipeline, run.partitionKey), run.id]));
        const free = list
          .filter((t) => !busy.has(runSlot(t.pipeline.name, t.partition)))
          .map((t) => ({ pipeline: t.pipeline.name, dataset: t.pipeline.into.name, partition: t.partition }));
        const ids = await newRunIds(unit, free);
        const queued = free.map((t, index) => ({ ...t, runId: ids[index] ?? randomUUID() }));
        await unit.enqueueRuns(
          queued.map((q) => ({
            id: q.runId,
            pipeline: q.pipeline,
            dataset: q.dataset,
            trigger,
            ...(q.partition === undefined ? {} : { partitionKey: q.partition }),
          })),
        );
        return {
          queued: queued.map((q) => withPartition({ pipeline: q.pipeline, runId: q.runId }, q.partition)),
          skipped: list
            .filter((t) => busy.has(runSlot(t.pipeline.name, t.partition)))
            .map((t) =>
              withPartition(
                {
                  pipeline: t.pipeline.name,
                  activeRunId: busy.get(runSlot(t.pipeline.name, t.partition)) ?? '',
                },
                t.partition,
              ),
            ),
        };
      });
      await jobs.enqueueMany(result.queued.map((q) => ({ ...q, trigger })));
      return result;
    },
    async wait(runId, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
        const run = await store.getRun(runId);
        if (terminalStatuses.includes(run.status) || Date.now() >= deadline) return run;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    },
  };
}

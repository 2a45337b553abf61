// Moving backfills forward: one pass starts the pending partitions of the backfills allowed to
// progress, and repair settles running partitions whose queue job ended without settling them.
import { type BackfillStatus, type PartitionState, partitionStateOfRun } from '../domain/backfill.ts';
import { errorMessage } from '../domain/errors.ts';
import type { ResolvedPipeline } from '../domain/pipeline-definition.ts';
import { isRunStatus, terminalStatuses } from '../domain/run-status.ts';
import type { Logger } from './ports.ts';

/** A partition taken for a run: its run is queued and its job enqueued with it. */
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

/** How a partition's run ended, recorded by its queue job. */
export interface PartitionOutcome {
  jobId: string;
  runId: string;
  state: PartitionState;
  error: string | null;
}

/** A queue job's state, as the queue reports it; `missing` once the queue has deleted it. */
export type QueueJobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed' | 'missing';

/** The pump's side of the backfill store. */
export interface BackfillProgressStore {
  /** The active backfills allowed to progress now: the oldest `maxActive`; the others wait. */
  progressing(maxActive: number): Promise<Array<{ id: string; pipeline: string }>>;
  /**
   * Starts up to (concurrency − running) pending partitions of an active backfill, in plan order;
   * each one's queued run and queue job are created together or not at all. Ends the backfill when
   * nothing is left.
   */
  dispatch(backfillId: string, dataset: string): Promise<DispatchResult>;
  /** Marks a backfill that cannot progress (its pipeline is gone) failed, with the reason. */
  fail(backfillId: string, error: string): Promise<void>;
  /** Running partitions started over `olderThanSeconds` ago, with their queue job. */
  longRunning(
    olderThanSeconds: number,
  ): Promise<Array<{ backfillId: string; partitionKey: string; jobId: string }>>;
  /** The last run of a queue job (attempts after a crash share the job). */
  lastRunOfJob(jobId: string): Promise<{ id: string; status: string; error: string | null } | undefined>;
  /** Fails the queued or running runs of a job, with the reason. */
  abandonJobRuns(jobId: string, reason: string): Promise<void>;
  /** Returns the backfill id, or undefined when the job is no longer its partition's current attempt. */
  settle(outcome: PartitionOutcome): Promise<string | undefined>;
}

export interface BackfillPumpPorts {
  progress: BackfillProgressStore;
  /** The state of a job of the backfill queue. */
  jobState(jobId: string): Promise<QueueJobState>;
  /** The pipeline of that name; throws when the config no longer defines it. */
  pipeline(name: string): ResolvedPipeline;
  logger: Logger;
}

export interface BackfillPumpOptions {
  /** SLUICE_MAX_ACTIVE_BACKFILLS, default 5. */
  maxActive: number;
  /** A running partition older than this is checked against its queue job. @defaultValue 60 */
  repairAfterSeconds: number;
}

export interface BackfillPumpPass {
  /** Starts what can start now; a backfill whose pipeline is gone is marked failed. */
  pass(): Promise<void>;
  /** Settles running partitions whose queue job is over (its retries exhausted, or it vanished). */
  repair(): Promise<number>;
}

const stillQueued: readonly QueueJobState[] = ['created', 'retry', 'active'];

export function createBackfillPump(ports: BackfillPumpPorts, options: BackfillPumpOptions): BackfillPumpPass {
  const { progress, logger } = ports;
  return {
    async pass() {
      for (const backfill of await progress.progressing(options.maxActive)) {
        let dataset: string;
        try {
          dataset = ports.pipeline(backfill.pipeline).into.name;
        } catch (error) {
          await progress.fail(backfill.id, errorMessage(error));
          logger.error({ backfill: backfill.id, err: error }, 'backfill cannot progress; marked failed');
          continue;
        }
        const result = await progress.dispatch(backfill.id, dataset);
        if (result.finished)
          logger.info({ backfill: backfill.id, status: result.finished }, 'backfill finished');
      }
    },
    async repair() {
      let repaired = 0;
      for (const partition of await progress.longRunning(options.repairAfterSeconds)) {
        const state = await ports.jobState(partition.jobId);
        if (stillQueued.includes(state)) continue;
        const run = await progress.lastRunOfJob(partition.jobId);
        let outcome: PartitionOutcome;
        if (run && isRunStatus(run.status) && terminalStatuses.includes(run.status)) {
          outcome = {
            jobId: partition.jobId,
            runId: run.id,
            state: partitionStateOfRun(run.status),
            error: run.error,
          };
        } else {
          const reason = `its queue job ended (${state}) before the run finished: the workers running it stopped on every attempt`;
          await progress.abandonJobRuns(partition.jobId, reason);
          outcome = {
            jobId: partition.jobId,
            runId: run?.id ?? partition.jobId,
            state: 'failed',
            error: reason,
          };
        }
        if (await progress.settle(outcome)) {
          repaired++;
          logger.warn(
            { backfill: partition.backfillId, partition: partition.partitionKey, jobState: state },
            'settled a partition whose queue job ended without settling it',
          );
        }
      }
      return repaired;
    },
  };
}

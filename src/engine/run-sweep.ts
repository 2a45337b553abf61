// Clearing up after processes that died: runs whose heartbeat stopped are failed as abandoned and
// recounted, and queued runs whose job was never sent are sent again.

import type { Logger } from './ports.ts';
import { backfillOfTrigger, type RunJobs } from './run-jobs.ts';

export interface AbandonedRun {
  id: string;
  pipeline: string;
  reason: string;
}

export interface QueuedRun {
  id: string;
  pipeline: string;
  trigger: string;
  jobId: string | null;
  partitionKey: string | null;
}

export interface RunSweepStore {
  /**
   * Fails running runs whose heartbeat is older than the stale interval as `abandoned`, with their
   * counts recounted from the rows they wrote.
   */
  abandonStale(): Promise<AbandonedRun[]>;
  /** Sets the inserted/updated counts of runs that ended without finishing from the rows carrying their id. */
  recount(ids: readonly string[]): Promise<void>;
  /** Runs still queued after `graceSeconds`, oldest first (a bounded batch). */
  queuedFor(graceSeconds: number): Promise<QueuedRun[]>;
}

export interface RunSweep {
  /**
   * Fails running runs whose heartbeat stopped (their process died) as `abandoned`, with their
   * counts recounted from the rows they wrote; their pipelines are free again.
   */
  abandonStale(): Promise<AbandonedRun[]>;
  recount(ids: readonly string[]): Promise<void>;
  /**
   * One sweep: runs queued for longer than `graceSeconds` without a job are sent again (a process
   * died between committing a fired tick or a trigger and sending its job), and stale running
   * runs are abandoned. Returns the ids sent again.
   */
  sweep(jobs: RunJobs, graceSeconds: number): Promise<string[]>;
}

export function createRunSweep(ports: { store: RunSweepStore; logger: Logger }): RunSweep {
  const { store } = ports;
  const abandonStale = async () => {
    const abandoned = await store.abandonStale();
    for (const run of abandoned)
      ports.logger.warn({ runId: run.id, pipeline: run.pipeline }, `run abandoned: ${run.reason}`);
    return abandoned;
  };
  return {
    abandonStale,
    recount: (ids) => store.recount(ids),
    async sweep(jobs, graceSeconds) {
      const logger = ports.logger.child({ stage: 'sweeper' });
      const queued = await store.queuedFor(graceSeconds);
      // Running runs whose heartbeat stopped (their process, direct or worker, died) are failed.
      await abandonStale();
      const resent: string[] = [];
      for (const run of queued) {
        if (await jobs.hasJob(run.jobId ?? run.id)) continue;
        await jobs.enqueue({
          runId: run.id,
          pipeline: run.pipeline,
          trigger: run.trigger,
          ...(run.partitionKey === null ? {} : { partition: run.partitionKey }),
          ...backfillOfTrigger(run.trigger),
        });
        resent.push(run.id);
        logger.warn(
          { runId: run.id, pipeline: run.pipeline },
          'queued run had no job (its process died before sending it); sent again',
        );
      }
      return resent;
    },
  };
}

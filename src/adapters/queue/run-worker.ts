// Workers: take run jobs from the queues, run them, and hand back what a shutdown interrupts.
import { hostname } from 'node:os';
import { partitionStateOfRun } from '../../domain/backfill.ts';
import { ErrorCode, errorCode, errorMessage } from '../../domain/errors.ts';
import { isRunStatus, type RunStatus } from '../../domain/run-status.ts';
import type { Sluice } from '../../main.ts';
import { lastRunOfJob, settleBackfillPartition } from '../postgres/backfill-dispatch.ts';
import { cancelledByHand } from '../postgres/run-liveness.ts';
import { abandonRuns, enqueueRun } from '../postgres/run-store.ts';
import type { RunJob, RunQueue } from './run-queue.ts';

const completedWork: readonly RunStatus[] = ['succeeded', 'partial', 'skipped'];
/** Errors thrown before a run starts that no retry can fix. */
const CANNOT_START: ReadonlySet<string> = new Set([ErrorCode.usage, ErrorCode.config, ErrorCode.notFound]);

export interface Workers {
  /** Stops taking jobs, lets running ones finish for `graceMs`, then releases the rest for retry. */
  stop(graceMs: number): Promise<void>;
  readonly active: number;
}

export interface WorkerSlots {
  /** Slots for scheduled and triggered runs (0: none). */
  runs: number;
  /** Slots for backfill partitions (0: none). */
  backfill: number;
  /** Called after a backfill partition settled, to start the next one at once. */
  afterBackfillPartition?: () => Promise<void>;
}

export async function startWorkers(sluice: Sluice, queue: RunQueue, slots: WorkerSlots): Promise<Workers> {
  const worker = `${hostname()}:${process.pid}`;
  const running = new Map<string, AbortController>();
  let stopping = false;

  /**
   * Runs the job's run and says how it ended. Throws, so that pg-boss retries the job, when a
   * shutdown interrupted the run or something transient (the database) failed.
   */
  const handle = async (job: RunJob) => {
    const { pipeline, trigger, partition } = job.data;
    let runId = job.data.runId;
    const logger = sluice.logger.child({ jobId: job.id, pipeline, attempt: job.retryCount + 1 });
    // An admin cancelled the job's run (`sluice runs cancel`): it is not run, nor run again.
    const cancelled = await cancelledByHand(sluice.db, job.id);
    if (cancelled) {
      logger.warn({ runId: cancelled.id }, `${cancelled.error}; its job is not run`);
      return { runId: cancelled.id, status: 'cancelled' as const, error: cancelled.error };
    }
    if (job.retryCount > 0) {
      // The previous attempt's worker died or was stopped: close its run, start a new one.
      runId = crypto.randomUUID();
      const abandoned = await sluice.db.transaction(async (tx) => {
        const ids = await abandonRuns(
          tx,
          job.id,
          `attempt ${job.retryCount} stopped without finishing (worker killed, stopped or disconnected); retried`,
        );
        await enqueueRun(tx, {
          id: runId,
          pipeline,
          dataset: sluice.pipeline(pipeline).into.name,
          trigger,
          jobId: job.id,
          partitionKey: partition,
        });
        return ids;
      });
      // The dead attempt may have merged rows after its last counter update.
      await sluice.recountRuns(abandoned);
      logger.warn({ abandoned, runId }, 'retrying a run whose worker stopped');
    }
    const controller = new AbortController();
    job.signal.addEventListener('abort', () => controller.abort(job.signal.reason), { once: true });
    running.set(job.id, controller);
    try {
      const report = await sluice.run(pipeline, {
        runId,
        trigger,
        attempt: job.retryCount + 1,
        worker,
        jobId: job.id,
        signal: controller.signal,
        ...(partition === undefined ? {} : { partition }),
      });
      // A run cut short by shutdown fails its job, so pg-boss hands it to another worker at once.
      if (report.status === 'cancelled' && stopping) throw new Error(`run ${runId} interrupted by shutdown`);
      return { runId: report.runId, status: report.status, error: report.errors.at(-1)?.message ?? null };
    } catch (error) {
      if (stopping || !CANNOT_START.has(errorCode(error))) throw error;
      // The run cannot even start (its partition no longer parses, its key left the key set): it
      // fails with the reason at once instead of burning the job's retries without a word.
      const message = errorMessage(error);
      await abandonRuns(sluice.db, job.id, message, errorCode(error));
      logger.error({ runId, err: error }, 'run could not start');
      return { runId, status: 'failed' as const, error: message };
    } finally {
      running.delete(job.id);
    }
  };

  const handleBackfill = async (job: RunJob) => {
    // A worker killed between its run's end and the settle leaves a run that did its work: settle
    // with it rather than collect the partition again. A cancelled (shutdown) or failed run reruns.
    const finished = job.retryCount > 0 ? await lastRunOfJob(sluice.db, job.id) : undefined;
    const done =
      finished && isRunStatus(finished.status) && completedWork.includes(finished.status)
        ? { runId: finished.id, status: finished.status, error: finished.error }
        : await handle(job);
    await settleBackfillPartition(sluice.db, {
      jobId: job.id,
      runId: done.runId,
      state: partitionStateOfRun(done.status),
      error: done.error,
    });
    await slots.afterBackfillPartition?.().catch((error: unknown) => {
      sluice.logger.error({ err: error, backfill: job.data.backfill }, 'starting the next partitions failed');
    });
  };

  if (slots.runs > 0) {
    await queue.work('runs', slots.runs, async (job) => {
      await handle(job);
    });
  }
  if (slots.backfill > 0) await queue.work('backfill', slots.backfill, handleBackfill);
  return {
    get active() {
      return running.size;
    },
    async stop(graceMs) {
      stopping = true;
      const deadline = Date.now() + graceMs;
      while (running.size > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      for (const controller of running.values()) controller.abort(new Error('shutdown grace period over'));
      await queue.stop({ graceful: true, timeoutMs: 5000 });
    },
  };
}

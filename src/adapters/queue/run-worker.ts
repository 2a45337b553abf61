// Worker slots on the queue: each takes run jobs and hands them to the engine's job handling
// (engine/run-work.ts); a shutdown lets running jobs finish for a grace period, then releases them.
import type { SluiceApp } from '../../engine/app.ts';
import type { Logger } from '../../engine/ports.ts';
import type { RunJob, RunJobs } from '../../engine/run-jobs.ts';
import type { JobContext } from '../../engine/run-work.ts';

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
  /** Logs a failed `afterBackfillPartition`. */
  logger?: Logger;
}

export async function startWorkers(app: SluiceApp, queue: RunJobs, slots: WorkerSlots): Promise<Workers> {
  const work = app.pipelines.work;
  const running = new Map<string, AbortController>();
  let stopping = false;

  /** Runs `handle` with an abort signal that a shutdown past its grace period fires. */
  const withContext = async (job: RunJob, handle: (context: JobContext) => Promise<unknown>) => {
    const controller = new AbortController();
    job.signal.addEventListener('abort', () => controller.abort(job.signal.reason), { once: true });
    running.set(job.id, controller);
    try {
      await handle({ signal: controller.signal, stopping: () => stopping });
    } finally {
      running.delete(job.id);
    }
  };

  if (slots.runs > 0) {
    await queue.work('runs', slots.runs, (job) => withContext(job, (context) => work.handle(job, context)));
  }
  if (slots.backfill > 0) {
    await queue.work('backfill', slots.backfill, async (job) => {
      await withContext(job, (context) => work.handleBackfill(job, context));
      await slots.afterBackfillPartition?.().catch((error: unknown) => {
        slots.logger?.error(
          { err: error, backfill: job.data.backfill },
          'starting the next partitions failed',
        );
      });
    });
  }
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

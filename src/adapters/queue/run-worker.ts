// Workers: take run jobs from the queue, run them, and hand back what a shutdown interrupts.
import { hostname } from 'node:os';
import type { Sluice } from '../../main.ts';
import { abandonRuns, enqueueRun } from '../postgres/run-store.ts';
import type { RunJob, RunQueue } from './run-queue.ts';

export interface Workers {
  /** Stops taking jobs, lets running ones finish for `graceMs`, then releases the rest for retry. */
  stop(graceMs: number): Promise<void>;
  readonly active: number;
}

export async function startWorkers(sluice: Sluice, queue: RunQueue, concurrency: number): Promise<Workers> {
  const worker = `${hostname()}:${process.pid}`;
  const running = new Map<string, AbortController>();
  let stopping = false;

  const handle = async (job: RunJob) => {
    const { pipeline, trigger, partition } = job.data;
    let runId = job.data.runId;
    const logger = sluice.logger.child({ jobId: job.id, pipeline, attempt: job.retryCount + 1 });
    if (job.retryCount > 0) {
      // The previous attempt's worker died or was stopped: close its run, start a new one.
      const abandoned = await abandonRuns(
        sluice.db,
        job.id,
        `attempt ${job.retryCount} stopped without finishing (worker killed, stopped or disconnected); retried`,
      );
      runId = crypto.randomUUID();
      await enqueueRun(sluice.db, {
        id: runId,
        pipeline,
        dataset: sluice.pipeline(pipeline).into.name,
        trigger,
        jobId: job.id,
        partitionKey: partition,
      });
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
    } finally {
      running.delete(job.id);
    }
  };

  await queue.work(concurrency, handle);
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

// The run queue on pg-boss, in the same database: PGlite through its adapter, or a PostgreSQL server.
import { fromPglite, PgBoss } from 'pg-boss';
import type { Logger } from '../../engine/ports.ts';
import type { Database } from '../postgres/database.ts';
import { pgliteOf } from '../postgres/pglite-database.ts';

export const RUN_QUEUE = 'sluice-runs';

export interface RunJobData {
  runId: string;
  pipeline: string;
  trigger: string;
  /** The partition to collect, for a partitioned pipeline. */
  partition?: string;
}

export interface RunJob {
  id: string;
  data: RunJobData;
  /** 0 on the first attempt. */
  retryCount: number;
  signal: AbortSignal;
}

export interface QueueSettings {
  /** Seconds without a heartbeat before a running job counts as abandoned. @defaultValue 10 (pg-boss minimum) */
  heartbeatSeconds: number;
  /** How often abandoned jobs are looked for. @defaultValue 5 */
  superviseIntervalSeconds: number;
  /** Attempts after the first when a worker dies or shuts down mid-run. @defaultValue 2 */
  retryLimit: number;
  /** Longest a run may take. @defaultValue 6 hours */
  expireInSeconds: number;
}

export const defaultQueueSettings = {
  heartbeatSeconds: 10,
  superviseIntervalSeconds: 5,
  retryLimit: 2,
  expireInSeconds: 6 * 3600,
} satisfies QueueSettings;

export interface RunQueue {
  /** Enqueues with the run id as the job id; returns it. */
  enqueue(data: RunJobData): Promise<string>;
  /** Enqueues many in one insert. */
  enqueueMany(jobs: readonly RunJobData[]): Promise<void>;
  work(concurrency: number, handler: (job: RunJob) => Promise<void>): Promise<void>;
  /** Whether pg-boss holds a job with this id (in any state). */
  hasJob(jobId: string): Promise<boolean>;
  /** Jobs waiting or running, for metrics. */
  depth(): Promise<{ queued: number; active: number }>;
  /** Fails a job now so another worker retries it without waiting for its heartbeat to lapse. */
  release(jobId: string, reason: string): Promise<void>;
  stop(options: { graceful: boolean; timeoutMs: number }): Promise<void>;
}

export async function startRunQueue(
  db: Database,
  options: { databaseUrl: string | undefined; logger: Logger; settings?: Partial<QueueSettings> },
): Promise<RunQueue> {
  const settings: QueueSettings = { ...defaultQueueSettings, ...options.settings };
  const pglite = pgliteOf(db);
  const connection = pglite ? { db: fromPglite(pglite) } : { connectionString: options.databaseUrl, max: 4 };
  const boss = new PgBoss({
    ...connection,
    schema: 'pgboss',
    useListenNotify: true,
    // sluice schedules ticks itself (see schedule-ticks.ts); pg-boss cron stays off.
    schedule: false,
    supervise: true,
    superviseIntervalSeconds: settings.superviseIntervalSeconds,
    // Lost heartbeats are failed (and retried) by the monitor pass, so it runs as often as supervision.
    monitorIntervalSeconds: settings.superviseIntervalSeconds,
    application_name: 'sluice-queue',
  });
  boss.on('error', (error) => options.logger.error({ err: error, stage: 'queue' }, 'queue error'));
  await boss.start();
  const existing = await boss.getQueue(RUN_QUEUE);
  const queueOptions = {
    notify: true,
    heartbeatSeconds: settings.heartbeatSeconds,
    retryLimit: settings.retryLimit,
    retryDelay: 0,
    expireInSeconds: settings.expireInSeconds,
  };
  if (!existing)
    await boss.createQueue(RUN_QUEUE, queueOptions).catch(() => boss.updateQueue(RUN_QUEUE, queueOptions));
  else await boss.updateQueue(RUN_QUEUE, queueOptions);

  return {
    async enqueue(data) {
      const id = await boss.send(RUN_QUEUE, { ...data }, { id: data.runId });
      return id ?? data.runId;
    },
    async enqueueMany(jobs) {
      if (jobs.length === 0) return;
      await boss.insert(
        RUN_QUEUE,
        jobs.map((data) => ({ id: data.runId, data: { ...data } })),
      );
    },
    async work(concurrency, handler) {
      // One pg-boss worker per slot. After each job the slot asks to be woken at once: with a
      // backlog it takes the next job immediately instead of sleeping a polling interval (pg-boss
      // only skips that sleep for NOTIFYs of new jobs or for full batches).
      for (let slot = 0; slot < concurrency; slot++) {
        let workerId = '';
        workerId = await boss.work<RunJobData>(
          RUN_QUEUE,
          { batchSize: 1, pollingIntervalSeconds: 1, notifyPollingIntervalSeconds: 5 },
          async ([job]) => {
            if (!job) return;
            try {
              await handler({ id: job.id, data: job.data, retryCount: job.retryCount, signal: job.signal });
            } finally {
              if (workerId) boss.notifyWorker(workerId);
            }
          },
        );
      }
    },
    async hasJob(jobId) {
      return (await boss.getJobById(RUN_QUEUE, jobId)) !== null;
    },
    async depth() {
      const queue = await boss.getQueue(RUN_QUEUE);
      return { queued: queue?.queuedCount ?? 0, active: queue?.activeCount ?? 0 };
    },
    async release(jobId, reason) {
      await boss.fail(RUN_QUEUE, jobId, { reason });
    },
    stop: ({ graceful, timeoutMs }) => boss.stop({ graceful, timeout: timeoutMs, close: true }),
  };
}

// The run queue on pg-boss, in the same database: PGlite through its adapter, or a PostgreSQL server.
import { fromPglite, PgBoss } from 'pg-boss';
import type { Logger } from '../../engine/ports.ts';
import type { QueueKind, RunJobData, RunJobs } from '../../engine/run-jobs.ts';
import type { Database, Queryable } from '../postgres/database.ts';
import { pgliteOf } from '../postgres/pglite-database.ts';

export const RUN_QUEUE = 'sluice-runs';
/**
 * Backfill partitions have their own queue and worker slots, so a backfill of thousands of
 * partitions never stands between a scheduled run and a free worker.
 */
export const BACKFILL_QUEUE = 'sluice-backfill';

const queueNames: Record<QueueKind, string> = { runs: RUN_QUEUE, backfill: BACKFILL_QUEUE };

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

export type { JobState, QueueKind, RunJob, RunJobData } from '../../engine/run-jobs.ts';

export interface RunQueue extends RunJobs {
  /**
   * Enqueues many in one insert; with `tx`, inside that transaction, so the jobs exist exactly
   * when it commits. An id that is already queued is left alone (pg-boss ignores it).
   */
  enqueueMany(jobs: readonly RunJobData[], tx?: Queryable): Promise<void>;
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
  const queueOptions = {
    notify: true,
    heartbeatSeconds: settings.heartbeatSeconds,
    retryLimit: settings.retryLimit,
    retryDelay: 0,
    expireInSeconds: settings.expireInSeconds,
  };
  for (const name of Object.values(queueNames)) {
    const existing = await boss.getQueue(name);
    if (!existing)
      await boss.createQueue(name, queueOptions).catch(() => boss.updateQueue(name, queueOptions));
    else await boss.updateQueue(name, queueOptions);
  }
  const queueOf = (data: RunJobData) => (data.backfill === undefined ? RUN_QUEUE : BACKFILL_QUEUE);

  return {
    async enqueue(data) {
      const id = await boss.send(queueOf(data), { ...data }, { id: data.runId });
      return id ?? data.runId;
    },
    async enqueueMany(jobs, tx) {
      const connection = tx
        ? { db: { executeSql: (text: string, values?: unknown[]) => tx.query(text, values ?? []) } }
        : {};
      for (const name of Object.values(queueNames)) {
        const some = jobs.filter((data) => queueOf(data) === name);
        if (some.length === 0) continue;
        await boss.insert(
          name,
          some.map((data) => ({ id: data.runId, data: { ...data } })),
          connection,
        );
      }
    },
    async work(kind, concurrency, handler) {
      // One pg-boss worker per slot. After each job the slot asks to be woken at once: with a
      // backlog it takes the next job immediately instead of sleeping a polling interval (pg-boss
      // only skips that sleep for NOTIFYs of new jobs or for full batches).
      for (let slot = 0; slot < concurrency; slot++) {
        let workerId = '';
        workerId = await boss.work<RunJobData>(
          queueNames[kind],
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
      for (const name of Object.values(queueNames)) {
        if ((await boss.findJobs(name, { id: jobId })).length > 0) return true;
      }
      return false;
    },
    async jobState(kind, jobId) {
      const [job] = await boss.findJobs(queueNames[kind], { id: jobId });
      return job ? job.state : 'missing';
    },
    async depth() {
      const queue = await boss.getQueue(RUN_QUEUE);
      return { queued: queue?.queuedCount ?? 0, active: queue?.activeCount ?? 0 };
    },
    stop: ({ graceful, timeoutMs }) => boss.stop({ graceful, timeout: timeoutMs, close: true }),
  };
}

// What `serve` and `worker` run besides the API: the queue, workers, the scheduler, a database
// watchdog, and the order in which they stop.
import { backfillDefaults } from '../../domain/backfill.ts';
import type { RunDispatcher } from '../../engine/run-dispatch.ts';
import type { Sluice } from '../../main.ts';
import type { Settings } from '../config/settings.ts';
import {
  type BackfillPump,
  type BackfillPumpSettings,
  backfillPumpSettings,
  startBackfillPump,
} from '../queue/backfill-pump.ts';
import { startRunQueue } from '../queue/run-queue.ts';
import { startRunSweeper } from '../queue/run-sweeper.ts';
import { startWorkers } from '../queue/run-worker.ts';
import { type Scheduler, startScheduler } from '../queue/scheduler.ts';
import { freshnessMonitorSettings, startFreshnessMonitor } from './freshness-monitor.ts';

export interface RuntimeSettings {
  /** Runs executed at once by this process. SLUICE_WORKER_CONCURRENCY, default 2. */
  concurrency: number;
  /** Backfill partitions executed at once by this process, besides. SLUICE_BACKFILL_WORKERS, default 10. */
  backfillWorkers: number;
  backfill: BackfillPumpSettings;
  scheduler: boolean;
  /** SLUICE_SCHEDULER_INTERVAL_MS, default 1000. */
  schedulerIntervalMs: number;
  /** SLUICE_SHUTDOWN_GRACE_S, default 30. */
  graceSeconds: number;
  /** SLUICE_DB_UNREACHABLE_EXIT_S, default 60: exit non-zero when the database stays unreachable. */
  unreachableExitSeconds: number;
}

export function runtimeSettings(settings: Settings, options: { scheduler: boolean }): RuntimeSettings {
  const { workers } = settings;
  return {
    concurrency: workers.concurrency,
    backfillWorkers: workers.backfillWorkers ?? backfillDefaults.concurrency,
    backfill: backfillPumpSettings(settings),
    scheduler: options.scheduler && workers.schedulerEnabled,
    schedulerIntervalMs: workers.schedulerIntervalMs,
    graceSeconds: workers.shutdownGraceSeconds,
    unreachableExitSeconds: workers.unreachableExitSeconds,
  };
}

export interface Runtime {
  dispatcher: RunDispatcher;
  backfills: BackfillPump;
  scheduler: Scheduler | undefined;
  /** Resolves with an exit code when the database has been unreachable for too long. */
  fatal: Promise<number>;
  stop(): Promise<void>;
}

export async function startRuntime(
  sluice: Sluice,
  settings: RuntimeSettings,
  databaseUrl: string | undefined,
): Promise<Runtime> {
  const freshnessSettings = freshnessMonitorSettings(sluice.settings);
  const queue = await startRunQueue(sluice.db, { databaseUrl, logger: sluice.logger });
  const backfills = startBackfillPump(sluice, queue, settings.backfill);
  const workers = await startWorkers(sluice.app, queue, {
    runs: settings.concurrency,
    backfill: settings.backfillWorkers,
    afterBackfillPartition: backfills.pump,
    logger: sluice.logger,
  });
  const clock = sluice.settings.clock;
  const scheduler = settings.scheduler
    ? startScheduler(sluice.app, queue, {
        clock,
        intervalMs: settings.schedulerIntervalMs,
        logger: sluice.logger.child({ stage: 'scheduler' }),
      })
    : undefined;
  const freshness = startFreshnessMonitor(sluice, { clock, ...freshnessSettings });
  // Sweeps at least once per heartbeat interval, so a dead run is failed soon after it goes stale.
  const sweeper = startRunSweeper(sluice.app, queue, {
    intervalMs: Math.min(30_000, sluice.liveness.heartbeatMs),
    graceSeconds: 30,
    logger: sluice.logger.child({ stage: 'sweeper' }),
  });

  // The pool reconnects by itself; this only decides when to give up and let a supervisor restart us.
  let failingSince: number | undefined;
  let resolveFatal: (code: number) => void = () => {};
  const fatal = new Promise<number>((resolve) => {
    resolveFatal = resolve;
  });
  const watchdog = setInterval(async () => {
    try {
      await sluice.db.query('SELECT 1');
      if (failingSince !== undefined) sluice.logger.info({}, 'database reachable again');
      failingSince = undefined;
    } catch (error) {
      failingSince ??= Date.now();
      const seconds = (Date.now() - failingSince) / 1000;
      sluice.logger.warn({ err: error, seconds }, 'database unreachable');
      if (seconds >= settings.unreachableExitSeconds) {
        sluice.logger.error(
          { seconds },
          `database unreachable for ${Math.round(seconds)} s (SLUICE_DB_UNREACHABLE_EXIT_S=${settings.unreachableExitSeconds}); exiting so a supervisor restarts this process`,
        );
        resolveFatal(1);
      }
    }
  }, 5000);
  watchdog.unref();

  return {
    dispatcher: sluice.app.pipelines.dispatcher(queue),
    backfills,
    scheduler,
    fatal,
    async stop() {
      clearInterval(watchdog);
      sweeper.stop();
      backfills.stop();
      await scheduler?.stop();
      await freshness.stop();
      await workers.stop(settings.graceSeconds * 1000);
    },
  };
}

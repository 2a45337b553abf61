// The backfill pump of a process: the engine's pass and repair (engine/backfill-pump.ts) on their
// loops, with started partitions' jobs put on the backfill queue in the transaction that starts them.
import { backfillDefaults } from '../../domain/backfill.ts';
import { type BackfillPumpOptions, createBackfillPump } from '../../engine/backfill-pump.ts';
import type { Sluice } from '../../main.ts';
import type { Settings } from '../config/settings.ts';
import { type LoopTimer, startLoop } from '../loop.ts';
import { createBackfillProgressStore } from '../postgres/backfill-dispatch.ts';
import type { RunQueue } from './run-queue.ts';

export interface BackfillPumpSettings extends BackfillPumpOptions {
  /** How often backfills are looked at without being woken. SLUICE_BACKFILL_INTERVAL_MS, default 1000. */
  intervalMs: number;
  /** @defaultValue realTimer */
  timer?: LoopTimer;
}

export function backfillPumpSettings(settings: Settings): BackfillPumpSettings {
  return {
    intervalMs: settings.workers.backfillIntervalMs,
    maxActive: settings.workers.maxActiveBackfills ?? backfillDefaults.maxActive,
    repairAfterSeconds: 60,
  };
}

export interface BackfillPump {
  /**
   * Starts what can start now. Calls while one pass runs share the single pass queued behind it,
   * so every caller gets a pass that began after its call. Works after stop() too (workers that
   * drain after it still start the next partitions); a failed pass is logged, never rejected.
   */
  pump(): Promise<void>;
  /** Settles running partitions whose queue job is over (its retries exhausted, or it vanished). */
  repair(): Promise<number>;
  stop(): void;
}

export function startBackfillPump(
  sluice: Sluice,
  queue: RunQueue,
  settings: BackfillPumpSettings,
): BackfillPump {
  const logger = sluice.logger.child({ stage: 'backfill' });
  const progress = createBackfillProgressStore(sluice.db, (tx, partitions) =>
    queue.enqueueMany(
      partitions.map((partition) => ({
        runId: partition.runId,
        pipeline: partition.pipeline,
        trigger: `backfill:${partition.backfillId}`,
        partition: partition.partitionKey,
        backfill: partition.backfillId,
      })),
      tx,
    ),
  );
  const { pass, repair } = createBackfillPump(
    {
      progress,
      jobState: (jobId) => queue.jobState('backfill', jobId),
      pipeline: sluice.app.project.pipeline,
      logger,
    },
    settings,
  );
  const timer = settings.timer === undefined ? {} : { timer: settings.timer };

  const pumping = startLoop({
    name: 'backfill pass',
    everyMs: settings.intervalMs,
    firstAfterMs: 0,
    logger,
    run: pass,
    ...timer,
  });
  // Repairs about every 10 s, on every repairEvery-th pump interval as before.
  const repairEvery = Math.max(1, Math.round(10_000 / settings.intervalMs));
  const repairing = startLoop({
    name: 'backfill repair',
    everyMs: settings.intervalMs * repairEvery,
    logger,
    run: repair,
    ...timer,
  });
  return {
    pump: pumping.wake,
    repair,
    stop: () => {
      void pumping.stop();
      void repairing.stop();
    },
  };
}

// Moves backfills forward: starts pending partitions of the backfills allowed to progress, as
// queue jobs on the backfill queue, and repairs partitions whose job ended without settling them.
import { partitionStateOfRun } from '../../domain/backfill.ts';
import { errorMessage } from '../../domain/errors.ts';
import { isRunStatus, terminalStatuses } from '../../domain/run-status.ts';
import type { Sluice } from '../../main.ts';
import { startLoop } from '../loop.ts';
import {
  dispatchBackfill,
  failBackfill,
  lastRunOfJob,
  longRunningPartitions,
  progressingBackfills,
  settleBackfillPartition,
} from '../postgres/backfill-dispatch.ts';
import { abandonRuns } from '../postgres/run-store.ts';
import type { RunQueue } from './run-queue.ts';

export interface BackfillPumpSettings {
  /** How often backfills are looked at without being woken. SLUICE_BACKFILL_INTERVAL_MS, default 1000. */
  intervalMs: number;
  /** SLUICE_MAX_ACTIVE_BACKFILLS, default 5. */
  maxActive: number;
  /** A running partition older than this is checked against its queue job. @defaultValue 60 */
  repairAfterSeconds: number;
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

  const pumpOnce = async () => {
    for (const backfill of await progressingBackfills(sluice.db, settings.maxActive)) {
      let dataset: string;
      try {
        dataset = sluice.pipeline(backfill.pipeline).into.name;
      } catch (error) {
        await failBackfill(sluice.db, backfill.id, errorMessage(error));
        logger.error({ backfill: backfill.id, err: error }, 'backfill cannot progress; marked failed');
        continue;
      }
      const result = await dispatchBackfill(sluice.db, backfill.id, {
        dataset,
        enqueue: (tx, partitions) =>
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
      });
      if (result.finished)
        logger.info({ backfill: backfill.id, status: result.finished }, 'backfill finished');
    }
  };

  const repair = async () => {
    let repaired = 0;
    for (const partition of await longRunningPartitions(sluice.db, settings.repairAfterSeconds)) {
      const state = await queue.jobState('backfill', partition.jobId);
      if (state === 'created' || state === 'retry' || state === 'active') continue;
      const run = await lastRunOfJob(sluice.db, partition.jobId);
      let outcome: { runId: string; state: ReturnType<typeof partitionStateOfRun>; error: string | null };
      if (run && isRunStatus(run.status) && terminalStatuses.includes(run.status)) {
        outcome = { runId: run.id, state: partitionStateOfRun(run.status), error: run.error };
      } else {
        const reason = `its queue job ended (${state}) before the run finished: the workers running it stopped on every attempt`;
        await abandonRuns(sluice.db, partition.jobId, reason);
        outcome = { runId: run?.id ?? partition.jobId, state: 'failed', error: reason };
      }
      if (await settleBackfillPartition(sluice.db, { jobId: partition.jobId, ...outcome })) {
        repaired++;
        logger.warn(
          { backfill: partition.backfillId, partition: partition.partitionKey, jobState: state },
          'settled a partition whose queue job ended without settling it',
        );
      }
    }
    return repaired;
  };

  const pumping = startLoop({
    name: 'backfill pass',
    everyMs: settings.intervalMs,
    firstAfterMs: 0,
    logger,
    run: pumpOnce,
  });
  // Repairs about every 10 s, on every repairEvery-th pump interval as before.
  const repairEvery = Math.max(1, Math.round(10_000 / settings.intervalMs));
  const repairing = startLoop({
    name: 'backfill repair',
    everyMs: settings.intervalMs * repairEvery,
    logger,
    run: repair,
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

// This process working on backfills (what `sluice backfill` follows one with): a queue of its own,
// the backfill pump and backfill workers, stopped together.
import type { BackfillWork } from '../../engine/backfills.ts';
import type { Sluice } from '../../main.ts';
import { backfillPumpSettings, startBackfillPump } from './backfill-pump.ts';
import { startRunQueue } from './run-queue.ts';
import { startWorkers } from './run-worker.ts';

/** Starts `concurrency` backfill workers (no run workers) fed by a pump of this process. */
export async function startBackfillWork(sluice: Sluice, concurrency: number): Promise<BackfillWork> {
  const queue = await startRunQueue(sluice.db, {
    databaseUrl: sluice.settings.databaseUrl,
    logger: sluice.logger,
  });
  const pump = startBackfillPump(sluice, queue, backfillPumpSettings(sluice.settings));
  const workers = await startWorkers(sluice.app, queue, {
    runs: 0,
    backfill: concurrency,
    afterBackfillPartition: pump.pump,
  });
  return {
    async stop(graceMs) {
      pump.stop();
      // Workers stop the queue when they stop; partitions still running go back to it.
      await workers.stop(graceMs);
    },
  };
}

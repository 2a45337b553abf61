// Re-sends runs that are `queued` in sluice.runs but have no pg-boss job: a process that died
// between committing a fired tick (or a trigger) and sending its job leaves such a run behind.
// Also fails running runs whose heartbeat stopped (see run-liveness.ts).
import type { Sluice } from '../../main.ts';
import { startLoop } from '../loop.ts';
import type { RunQueue } from './run-queue.ts';

/** A backfill's runs are triggered `backfill:<id>`; their jobs belong on the backfill queue. */
export function backfillOfTrigger(trigger: string): { backfill?: string } {
  return trigger.startsWith('backfill:') ? { backfill: trigger.slice('backfill:'.length) } : {};
}

export interface RunSweeper {
  sweep(): Promise<string[]>;
  stop(): void;
}

/** Runs queued for longer than `graceSeconds` are checked; a missing job is sent again. */
export function startRunSweeper(
  sluice: Sluice,
  queue: RunQueue,
  options: { intervalMs: number; graceSeconds: number },
): RunSweeper {
  const logger = sluice.logger.child({ stage: 'sweeper' });
  const sweep = async () => {
    const { rows } = await sluice.db.query<{
      id: string;
      pipeline: string;
      trigger: string;
      job_id: string | null;
      partition_key: string | null;
    }>(
      `SELECT id, pipeline, trigger, job_id, partition_key FROM sluice.runs
        WHERE status = 'queued' AND queued_at < now() - make_interval(secs => $1) ORDER BY queued_at LIMIT 100`,
      [options.graceSeconds],
    );
    // Running runs whose heartbeat stopped (their process, direct or worker, died) are failed.
    await sluice.abandonStaleRuns();
    const resent: string[] = [];
    for (const run of rows) {
      if (await queue.hasJob(run.job_id ?? run.id)) continue;
      await queue.enqueue({
        runId: run.id,
        pipeline: run.pipeline,
        trigger: run.trigger,
        ...(run.partition_key === null ? {} : { partition: run.partition_key }),
        ...backfillOfTrigger(run.trigger),
      });
      resent.push(run.id);
      logger.warn(
        { runId: run.id, pipeline: run.pipeline },
        'queued run had no job (its process died before sending it); sent again',
      );
    }
    return resent;
  };
  const loop = startLoop({ name: 'sweep', everyMs: options.intervalMs, logger, run: sweep });
  return {
    sweep,
    stop: () => {
      void loop.stop();
    },
  };
}

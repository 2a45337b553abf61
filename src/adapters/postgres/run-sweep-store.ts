// What the sweep reads and fixes in sluice.runs: stale running runs, recounts, long-queued runs.
import type { QueuedRun, RunSweepStore } from '../../engine/run-sweep.ts';
import type { Queryable } from './database.ts';
import { abandonStaleRuns, recountRuns, type TableOfDataset } from './run-liveness.ts';

export function createRunSweepStore(
  db: Queryable,
  options: { staleMs: number; tableOf: TableOfDataset },
): RunSweepStore {
  return {
    abandonStale: () => abandonStaleRuns(db, options.staleMs, options.tableOf),
    recount: (ids) => recountRuns(db, ids, options.tableOf),
    async queuedFor(graceSeconds) {
      const { rows } = await db.query<{
        id: string;
        pipeline: string;
        trigger: string;
        job_id: string | null;
        partition_key: string | null;
      }>(
        `SELECT id, pipeline, trigger, job_id, partition_key FROM sluice.runs
          WHERE status = 'queued' AND queued_at < now() - make_interval(secs => $1) ORDER BY queued_at LIMIT 100`,
        [graceSeconds],
      );
      return rows.map(
        (row): QueuedRun => ({
          id: row.id,
          pipeline: row.pipeline,
          trigger: row.trigger,
          jobId: row.job_id,
          partitionKey: row.partition_key,
        }),
      );
    },
  };
}

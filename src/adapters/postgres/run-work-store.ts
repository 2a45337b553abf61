// What a worker reads and writes around a job's run: hand cancels, retried attempts, failed
// starts, and the settle of a backfill partition.
import type { RunWorkStore } from '../../engine/run-work.ts';
import { lastRunOfJob, settleBackfillPartition } from './backfill-dispatch.ts';
import type { Queryable } from './database.ts';
import { cancelledByHand } from './run-liveness.ts';
import { abandonRuns, enqueueRun } from './run-store.ts';

export function createRunWorkStore(db: Queryable): RunWorkStore {
  return {
    cancelledByHand: (jobId) => cancelledByHand(db, jobId),
    retryJob: (next, reason) =>
      db.transaction(async (tx) => {
        const ids = await abandonRuns(tx, next.jobId, reason);
        await enqueueRun(tx, {
          id: next.runId,
          pipeline: next.pipeline,
          dataset: next.dataset,
          trigger: next.trigger,
          jobId: next.jobId,
          partitionKey: next.partitionKey,
        });
        return ids;
      }),
    failJob: (jobId, reason, code) => abandonRuns(db, jobId, reason, code),
    lastRunOfJob: (jobId) => lastRunOfJob(db, jobId),
    settleBackfillPartition: (outcome) => settleBackfillPartition(db, outcome),
  };
}

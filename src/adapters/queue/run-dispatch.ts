// Starting runs: queued through pg-boss (serve/worker) or in this process, one active run per pipeline.
import { randomUUID } from 'node:crypto';
import { ConflictError, errorMessage } from '../../domain/errors.ts';
import { terminalStatuses } from '../../domain/run-status.ts';
import type { Sluice } from '../../main.ts';
import type { Queryable } from '../postgres/database.ts';
import { abandonRuns, activeRun, enqueueRun, getRun, type RunDetail } from '../postgres/run-store.ts';
import type { RunQueue } from './run-queue.ts';

export interface RunDispatcher {
  /** Starts or queues a run now and returns its id; a ConflictError when one is already active. */
  trigger(pipeline: string, trigger: string): Promise<string>;
}

/**
 * Records the run as queued, unless the pipeline already has an active run. The check and the
 * insert happen under a transaction-scoped advisory lock per pipeline, so two processes
 * triggering at once cannot both pass the check.
 */
export async function recordQueuedRun(
  db: Queryable,
  sluice: Sluice,
  pipeline: string,
  trigger: string,
): Promise<string> {
  const definition = sluice.pipeline(pipeline);
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('sluice.trigger:' || $1))`, [definition.name]);
    const active = await activeRun(tx, definition.name);
    if (active) {
      throw new ConflictError(
        `pipeline "${definition.name}" already has an active run (${active.id}, ${active.status})`,
      );
    }
    const runId = randomUUID();
    await enqueueRun(tx, {
      id: runId,
      pipeline: definition.name,
      dataset: definition.into.name,
      trigger,
      jobId: runId,
    });
    return runId;
  });
}

export function queueDispatcher(sluice: Sluice, queue: RunQueue): RunDispatcher {
  return {
    async trigger(pipeline, trigger) {
      const runId = await recordQueuedRun(sluice.db, sluice, pipeline, trigger);
      try {
        await queue.enqueue({ runId, pipeline, trigger });
      } catch (error) {
        await abandonRuns(sluice.db, runId, `could not be queued: ${errorMessage(error)}`);
        throw error;
      }
      return runId;
    },
  };
}

export function inProcessDispatcher(sluice: Sluice): RunDispatcher {
  return {
    async trigger(pipeline, trigger) {
      const runId = await recordQueuedRun(sluice.db, sluice, pipeline, trigger);
      return sluice.launch(pipeline, { trigger, runId }).runId;
    },
  };
}

/** Waits until a run (of any process) reaches a terminal status; polls the runs table. */
export async function waitForRun(db: Queryable, runId: string, timeoutMs: number): Promise<RunDetail> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    const run = await getRun(db, runId);
    if (terminalStatuses.includes(run.status) || Date.now() >= deadline) return run;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

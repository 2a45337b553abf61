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

export interface BulkTrigger {
  queued: Array<{ pipeline: string; runId: string }>;
  /** Pipelines left out because they already had an active run. */
  skipped: Array<{ pipeline: string; activeRunId: string }>;
}

/**
 * Queues one run for each of many pipelines in one transaction and one pg-boss insert. Locks are
 * taken in name order, so concurrent bulk triggers cannot deadlock.
 */
export async function triggerMany(
  sluice: Sluice,
  queue: RunQueue,
  pipelines: readonly string[],
  trigger: string,
): Promise<BulkTrigger> {
  const definitions = [...new Set(pipelines)].sort().map((name) => sluice.pipeline(name));
  const names = definitions.map((definition) => definition.name);
  const result = await sluice.db.transaction(async (tx) => {
    await tx.query(
      `SELECT pg_advisory_xact_lock(hashtext('sluice.trigger:' || p)) FROM unnest($1::text[]) AS p ORDER BY p`,
      [names],
    );
    const { rows: active } = await tx.query<{ pipeline: string; id: string }>(
      `SELECT DISTINCT ON (pipeline) pipeline, id FROM sluice.runs
        WHERE pipeline = ANY($1::text[]) AND status IN ('queued', 'running') ORDER BY pipeline, queued_at DESC`,
      [names],
    );
    const busy = new Map(active.map((row) => [row.pipeline, row.id]));
    const queued = definitions
      .filter((definition) => !busy.has(definition.name))
      .map((definition) => ({
        pipeline: definition.name,
        dataset: definition.into.name,
        runId: randomUUID(),
      }));
    await tx.query(
      `INSERT INTO sluice.runs (id, pipeline, dataset, status, trigger, job_id)
       SELECT id, pipeline, dataset, 'queued', $4, id FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(id, pipeline, dataset)`,
      [queued.map((q) => q.runId), queued.map((q) => q.pipeline), queued.map((q) => q.dataset), trigger],
    );
    return {
      queued: queued.map(({ pipeline, runId }) => ({ pipeline, runId })),
      skipped: [...busy].map(([pipeline, activeRunId]) => ({ pipeline, activeRunId })),
    };
  });
  await queue.enqueueMany(result.queued.map(({ pipeline, runId }) => ({ runId, pipeline, trigger })));
  return result;
}

/**
 * Records the run as queued, unless the pipeline (or, with `partitionKey`, that partition)
 * already has an active run. The check and the insert happen under a transaction-scoped advisory
 * lock per pipeline or partition, so two processes triggering at once cannot both pass the check.
 */
export async function recordQueuedRun(
  db: Queryable,
  sluice: Sluice,
  pipeline: string,
  trigger: string,
  partitionKey?: string,
): Promise<string> {
  const definition = sluice.pipeline(pipeline);
  const slot = partitionKey === undefined ? definition.name : `${definition.name}|${partitionKey}`;
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('sluice.trigger:' || $1))`, [slot]);
    const active = await activeRun(tx, definition.name, partitionKey);
    if (active) {
      const what = partitionKey === undefined ? '' : ` partition ${partitionKey}`;
      throw new ConflictError(
        `pipeline "${definition.name}"${what} already has an active run (${active.id}, ${active.status})`,
      );
    }
    const runId = randomUUID();
    await enqueueRun(tx, {
      id: runId,
      pipeline: definition.name,
      dataset: definition.into.name,
      trigger,
      jobId: runId,
      partitionKey,
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

// The upstream execution id of asynchronous sources, kept on the run row so a new attempt can resume it.
import type { ExecutionStore } from '../../engine/ports.ts';
import type { Queryable } from './database.ts';

export function createExecutionStore(db: Queryable): ExecutionStore {
  return {
    async previous({ runId, jobId }) {
      // A retried queue job gets a new run row with the same job id: its newest stored id wins.
      const { rows } = await db.query<{ upstream_execution_id: string }>(
        `SELECT upstream_execution_id FROM sluice.runs
          WHERE (id::text = $1 OR ($2::text IS NOT NULL AND job_id = $2)) AND upstream_execution_id IS NOT NULL
          ORDER BY queued_at DESC LIMIT 1`,
        [runId, jobId ?? null],
      );
      return rows[0]?.upstream_execution_id;
    },
    async save(runId, executionId) {
      await db.query('UPDATE sluice.runs SET upstream_execution_id = $2 WHERE id::text = $1', [
        runId,
        executionId,
      ]);
    },
  };
}

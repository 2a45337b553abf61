// Heartbeats of running runs, and clearing runs whose process died (or that an admin cancels).
import { ConflictError, ErrorCode } from '../../domain/errors.ts';
import type { Logger } from '../../engine/ports.ts';
import type { AbandonedRun } from '../../engine/run-sweep.ts';
import type { CancelledRun } from '../../engine/runs.ts';
import { startLoop } from '../loop.ts';
import type { Queryable } from './database.ts';
import { resolveRunId } from './run-store.ts';

/** The dataset table a run wrote into (schema-qualified and quoted), when the config still has it. */
export type TableOfDataset = (dataset: string) => string | undefined;

/**
 * Bumps the run's `heartbeat_at` every `intervalMs` while it runs, from a timer, so a run stuck on
 * a slow upstream (no progress for minutes) still shows it is alive. A failed beat is logged: the
 * next one may succeed, and a run that cannot beat for the stale interval is rightly abandoned.
 */
export function startHeartbeat(
  db: Queryable,
  runId: string,
  intervalMs: number,
  logger: Logger,
): { stop(): void } {
  const loop = startLoop({
    name: 'run heartbeat',
    everyMs: intervalMs,
    logger: logger.child({ runId }),
    level: 'warn',
    run: () =>
      db.query(`UPDATE sluice.runs SET heartbeat_at = now() WHERE id = $1 AND status = 'running'`, [runId]),
  });
  return {
    stop: () => {
      void loop.stop();
    },
  };
}

/**
 * Sets the counts of a run that ended without finishing from the rows that carry its `_run_id`:
 * its process may have died after a merge committed but before the counters were written.
 * Rows first seen at or after the run started were inserted by it, the others updated.
 */
async function recountFromTable(db: Queryable, runId: string, table: string): Promise<void> {
  await db.query(
    `UPDATE sluice.runs r SET inserted = c.inserted, updated = c.updated
       FROM (SELECT count(*) FILTER (WHERE t._first_seen_at >= s.started_at)::int AS inserted,
                    count(*) FILTER (WHERE t._first_seen_at < s.started_at)::int AS updated
               FROM ${table} t, sluice.runs s WHERE s.id = $1::uuid AND t._run_id = $1::uuid) c
      WHERE r.id = $1::uuid`,
    [runId],
  );
}

async function recountAll(
  db: Queryable,
  runs: readonly { id: string; dataset: string }[],
  tableOf: TableOfDataset,
): Promise<void> {
  for (const run of runs) {
    const table = tableOf(run.dataset);
    if (table) await recountFromTable(db, run.id, table);
  }
}

/** Recounts runs by id (see {@link recountFromTable}), e.g. the attempts a retried job abandoned. */
export async function recountRuns(
  db: Queryable,
  ids: readonly string[],
  tableOf: TableOfDataset,
): Promise<void> {
  if (ids.length === 0) return;
  const { rows } = await db.query<{ id: string; dataset: string }>(
    `SELECT id, dataset FROM sluice.runs WHERE id = ANY($1::uuid[])`,
    [[...ids]],
  );
  await recountAll(db, rows, tableOf);
}

/**
 * Fails every running run whose last heartbeat is older than `staleMs` as `abandoned`, with when
 * and from which process it was last heard of, and recounts what it wrote. Their pipelines are
 * free again. Marking them failed first also fences any write still in flight (the merge guard).
 */
export async function abandonStaleRuns(
  db: Queryable,
  staleMs: number,
  tableOf: TableOfDataset,
): Promise<AbandonedRun[]> {
  const { rows } = await db.query<AbandonedRun & { dataset: string }>(
    `WITH stale AS (
       SELECT id, 'no heartbeat since ' || (to_json(coalesce(heartbeat_at, started_at)) #>> '{}') || ' from ' ||
              coalesce(worker, 'an unknown process') || ' (its process was killed or lost the database)' AS reason
         FROM sluice.runs
        WHERE status = 'running' AND coalesce(heartbeat_at, started_at) < now() - make_interval(secs => $1::float8 / 1000)
        FOR UPDATE SKIP LOCKED)
     UPDATE sluice.runs r SET status = 'failed', finished_at = now(),
            duration_ms = (extract(epoch FROM now() - r.started_at) * 1000)::bigint,
            errors = r.errors || jsonb_build_array(jsonb_build_object('code', $2::text, 'message', s.reason, 'at', now()))
       FROM stale s WHERE r.id = s.id RETURNING r.id, r.pipeline, r.dataset, s.reason`,
    [staleMs, ErrorCode.abandoned],
  );
  await recountAll(db, rows, tableOf);
  return rows.map(({ id, pipeline, reason }) => ({ id, pipeline, reason }));
}

/**
 * Cancels a queued or running run by hand (`cancelled by <principal>`), whichever process holds
 * it: its later writes are refused and its pipeline is free again. A finished run is a conflict.
 */
export async function cancelRun(
  db: Queryable,
  idOrPrefix: string,
  principal: string,
  tableOf: TableOfDataset,
): Promise<CancelledRun> {
  const id = await resolveRunId(db, idOrPrefix);
  const reason = `cancelled by ${principal}`;
  const { rows } = await db.query<{ id: string; pipeline: string; dataset: string; previous: string }>(
    `WITH target AS (SELECT id, status FROM sluice.runs WHERE id = $1::uuid FOR UPDATE)
     UPDATE sluice.runs r SET status = 'cancelled', finished_at = now(),
            duration_ms = (extract(epoch FROM now() - coalesce(r.started_at, r.queued_at)) * 1000)::bigint,
            errors = r.errors || jsonb_build_array(jsonb_build_object('code', $2::text, 'message', $3::text, 'at', now(),
              'cancelledBy', $4::text))
       FROM target t WHERE r.id = t.id AND t.status IN ('queued', 'running')
     RETURNING r.id, r.pipeline, r.dataset, t.status AS previous`,
    [id, ErrorCode.cancelled, reason, principal],
  );
  const row = rows[0];
  if (!row) {
    const { rows: current } = await db.query<{ status: string }>(
      `SELECT status FROM sluice.runs WHERE id = $1`,
      [id],
    );
    throw new ConflictError(
      `run ${id} is already ${current[0]?.status ?? 'gone'}; only a queued or running run can be cancelled`,
    );
  }
  await recountAll(db, [row], tableOf);
  return { id: row.id, pipeline: row.pipeline, previous: row.previous, reason };
}

/**
 * The run of a queue job that someone cancelled by hand, if its latest run is one: such a job is
 * not run again. A run cancelled by a worker's shutdown is, so it is not mistaken for one.
 */
export async function cancelledByHand(
  db: Queryable,
  jobId: string,
): Promise<{ id: string; error: string } | undefined> {
  const { rows } = await db.query<{ id: string; status: string; error: string; by_hand: boolean }>(
    `SELECT id, status, errors -> -1 ->> 'message' AS error, (errors -> -1) ? 'cancelledBy' AS by_hand
       FROM sluice.runs WHERE job_id = $1 ORDER BY queued_at DESC LIMIT 1`,
    [jobId],
  );
  const last = rows[0];
  return last && last.status === 'cancelled' && last.by_hand ? { id: last.id, error: last.error } : undefined;
}

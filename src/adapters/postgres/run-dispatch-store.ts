// The runs side of queueing: the dispatch unit (a transaction with the slots' trigger locks) and
// what a failed send or a waiting caller needs from sluice.runs.
import { keySetNamesOf } from '../../domain/key-set.ts';
import type { DispatchUnit, RunDispatchStore } from '../../engine/run-dispatch.ts';
import type { Queryable } from './database.ts';
import { loadKeySets } from './key-set-store.ts';
import { abandonRuns, activeRuns, enqueueRuns, getRun, nextPartitionAttempts } from './run-store.ts';
import { triggerLockKey } from './trigger-lock.ts';

/** The dispatch operations on one transaction (or, for a caller already in one, on it). */
export function dispatchUnitOn(tx: Queryable): DispatchUnit {
  return {
    keySets: (pipeline) => loadKeySets(tx, keySetNamesOf(pipeline.partitioning)),
    async lockSlots(slots) {
      if (slots.length === 0) return;
      await tx.query(
        `SELECT pg_advisory_xact_lock(${triggerLockKey('s')}) FROM unnest($1::text[]) WITH ORDINALITY AS u(s, n) ORDER BY n`,
        [[...slots]],
      );
    },
    activeRuns: (slots) => activeRuns(tx, slots),
    nextPartitionAttempts: (pipeline, keys) => nextPartitionAttempts(tx, pipeline, keys),
    enqueueRuns: (runs) =>
      enqueueRuns(
        tx,
        runs.map((run) => ({ ...run, jobId: run.id })),
      ),
  };
}

export function createRunDispatchStore(db: Queryable): RunDispatchStore {
  return {
    atomically: (work) => db.transaction((tx) => work(dispatchUnitOn(tx))),
    abandonJob: (jobId, reason) => abandonRuns(db, jobId, reason),
    getRun: (id) => getRun(db, id),
  };
}

// A unit of work that is always rolled back: a dry run does everything a run does, then undoes it.
import type { Queryable } from './database.ts';

class Rollback extends Error {}

/** Runs `work` in one transaction and rolls it back; returns what `work` returned, rethrows what it threw. */
export async function inRolledBackUnit<T>(db: Queryable, work: (tx: Queryable) => Promise<T>): Promise<T> {
  let result: { value: T } | undefined;
  await db
    .transaction(async (tx) => {
      result = { value: await work(tx) };
      throw new Rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    });
  return (result as { value: T }).value;
}

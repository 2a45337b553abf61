// Concurrency limits across processes with PostgreSQL's own advisory locks: slot n of a provider is the
// lock (hashtext(provider key), n), held by an open transaction for as long as the call runs.
import type { SlotRelease } from '../sources/provider-store.ts';
import type { Database } from './database.ts';

/**
 * Holds the first free slot of `limit`, or returns undefined when every slot is taken. A process
 * that dies loses its connection and with it the lock, so no slot outlives its holder.
 */
export async function tryHoldSlot(
  db: Database,
  provider: string,
  limit: number,
): Promise<SlotRelease | undefined> {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let settle: (slot: number | undefined) => void = () => {};
  const acquired = new Promise<number | undefined>((resolve) => {
    settle = resolve;
  });
  const held = db.transaction(async (tx) => {
    // LIMIT 1 stops at the first lock taken: the slots after it are not even tried.
    const { rows } = await tx.query<{ slot: number }>(
      `SELECT slot FROM generate_series(0, $2::int - 1) AS slot
        WHERE pg_try_advisory_xact_lock(hashtext($1), slot) LIMIT 1`,
      [`sluice.concurrency:${provider}`, limit],
    );
    const slot = rows[0]?.slot;
    settle(slot);
    if (slot !== undefined) await released;
  });
  const slot = await Promise.race([acquired, held.then(() => acquired)]);
  if (slot === undefined) {
    await held;
    return undefined;
  }
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    release();
    // A broken connection has released the lock already; nothing left to undo.
    await held.catch(() => {});
  };
}

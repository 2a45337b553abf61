// The ProviderStore every process shares: breakers, Retry-After deadlines, rate limits and stats in PostgreSQL.
import type { ProviderStore } from '../sources/provider-store.ts';
import { blockUntil, readBreaker, replaceBreaker } from './breaker-store.ts';
import { tryHoldSlot } from './concurrency-slots.ts';
import type { Database, Queryable } from './database.ts';
import { returnRequest, takeRequest } from './rate-limit-store.ts';
import { recordAttempt } from './source-stats-store.ts';

/**
 * State goes through `db`. Concurrency slots are advisory locks on `slots`, a PostgreSQL server;
 * without one (PGlite is one process by construction) the process's own queue is the limit.
 */
export function createSharedProviderStore(db: Queryable, slots: Database | undefined): ProviderStore {
  return {
    read: (provider, now) => readBreaker(db, provider, now),
    replaceBreaker: (provider, current, next, reason) => replaceBreaker(db, provider, current, next, reason),
    blockUntil: (provider, until) => blockUntil(db, provider, until),
    takeRequest: (provider, limit) => takeRequest(db, provider, limit),
    returnRequest: (provider, grantedAt) => returnRequest(db, provider, grantedAt),
    tryHoldSlot: async (provider, limit) =>
      slots?.kind === 'postgres' ? tryHoldSlot(slots, provider, limit) : async () => {},
    recordAttempt: (provider, attempt) => recordAttempt(db, provider, attempt),
  };
}

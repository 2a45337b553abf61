// The sources port in PostgreSQL: stored breakers, call stats and rate-limit use, and the breaker reset.
import type { SourceStateStore } from '../../engine/sources.ts';
import { listBreakers, resetStoredBreaker } from './breaker-store.ts';
import type { Queryable } from './database.ts';
import { rateLimitUsage } from './rate-limit-store.ts';
import { listSourceStats } from './source-stats-store.ts';

export function createSourceStateQueries(db: Queryable): SourceStateStore {
  return {
    listBreakers: () => listBreakers(db),
    listStats: () => listSourceStats(db),
    rateLimitUsage: (intervals) => rateLimitUsage(db, intervals),
    resetBreaker: (provider, now, actor) => resetStoredBreaker(db, provider, now, actor),
  };
}

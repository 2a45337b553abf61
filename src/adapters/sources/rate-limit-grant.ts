// Waiting for a rate-limit grant that is still fresh when its request leaves, so the limit holds as
// the upstream counts it (on arrival), not only as the store granted it.
import { type ResolvedRateLimit, rateLimitMarginMs } from '../../domain/resilience-policy.ts';
import type { Logger } from '../../engine/ports.ts';
import { sleep } from './process-limits.ts';
import type { ProviderStore } from './provider-store.ts';

/**
 * The shortest grant-to-here time seen per provider in this process: the steady cost of the round
 * trips to the store, which delays every request alike and so does not bunch them up.
 */
const steadyAgeMs = new Map<string, number>();

/** Grants handed back in a row before the wait is logged as a warning: the machine is too slow. */
const STALE_WARN_AFTER = 5;

/**
 * Returns once a grant is held whose request can leave now. A grant that came back later than half
 * the margin beyond the steady round trip is handed back and taken again: sent late, its request
 * could reach the upstream within one interval of a later one.
 */
export async function waitForRateLimit(
  store: ProviderStore,
  provider: string,
  limit: ResolvedRateLimit,
  context: {
    signal: AbortSignal;
    log: Logger;
    what: string;
    /** The name in messages, `name[scope]` for a scope. @defaultValue provider */
    shown?: string;
  },
): Promise<void> {
  const freshMs = rateLimitMarginMs(limit) / 2;
  const shown = context.shown ?? provider;
  for (let stale = 0; ; ) {
    const take = await store.takeRequest(provider, limit);
    if (!take.granted) {
      context.log.debug({ provider, waitMs: take.waitMs }, `rate limit of "${shown}": waiting`);
      await sleep(take.waitMs, context.signal);
      continue;
    }
    const ageMs = performance.now() - take.notBefore;
    // Measured against what was seen before: a slow first grant must not set its own excuse.
    const steady = steadyAgeMs.get(provider) ?? 0;
    steadyAgeMs.set(provider, Math.min(steadyAgeMs.get(provider) ?? ageMs, ageMs));
    if (ageMs <= steady + freshMs) return;
    stale++;
    const message = `rate limit of "${shown}": the grant for ${context.what} came back after ${Math.round(ageMs)} ms, too late to send on; taking another`;
    if (stale >= STALE_WARN_AFTER) context.log.warn({ provider, ageMs, stale }, message);
    else context.log.debug({ provider, ageMs }, message);
    await store.returnRequest(provider, take.at);
  }
}

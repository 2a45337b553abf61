// What resilient calls keep per provider (breaker, Retry-After, rate and concurrency limits, stats), and a
// one-process, in-memory implementation; the PostgreSQL one shares it between processes.
import { type BreakerRecord, breakerEventFor, closedBreaker } from '../../domain/circuit-breaker.ts';
import { grantWindowMs, type ResolvedRateLimit } from '../../domain/resilience-policy.ts';
import type { UpstreamOutcome } from '../../domain/upstream-outcome.ts';

export interface ProviderState {
  breaker: BreakerRecord;
  /** The upstream asked (Retry-After) not to be called before this. */
  blockedUntil: Date | null;
}

export interface AttemptRecord {
  outcome: UpstreamOutcome;
  at: Date;
  /** Until the first records arrived, or until the failure; none for calls never sent. */
  latencyMs?: number;
  /** For failures: already free of secrets. */
  message?: string;
}

export type RateLimitTake =
  | {
      granted: true;
      /** The grant as the store recorded it (its clock, epoch ms): what `returnRequest` takes. */
      at: number;
      /** `performance.now()` at a moment no later than the grant: how old the grant can be. */
      notBefore: number;
    }
  | { granted: false; waitMs: number };

/** Releases a held concurrency slot; safe to call more than once. */
export type SlotRelease = () => Promise<void>;

export interface ProviderStore {
  /** The provider's state; a provider never seen is closed and unblocked. */
  read(provider: string, now: Date): Promise<ProviderState>;
  /**
   * Stores `next` only when the stored breaker is still at `current.version` (compare-and-set),
   * and publishes a breaker event in the same transaction when the state changes.
   */
  replaceBreaker(
    provider: string,
    current: BreakerRecord,
    next: BreakerRecord,
    reason: string,
  ): Promise<boolean>;
  /** Moves the Retry-After deadline later (never earlier). */
  blockUntil(provider: string, until: Date): Promise<void>;
  /**
   * Takes one request from the provider's rate limit: at most `requests` grants fall within any
   * `grantWindowMs(limit)`.
   */
  takeRequest(provider: string, limit: ResolvedRateLimit): Promise<RateLimitTake>;
  /** Hands back a grant whose request was never sent, so it stops counting. */
  returnRequest(provider: string, grantedAt: number): Promise<void>;
  /** Holds one of `limit` concurrency slots shared by every process, or undefined when all are taken. */
  tryHoldSlot(provider: string, limit: number): Promise<SlotRelease | undefined>;
  recordAttempt(provider: string, attempt: AttemptRecord): Promise<void>;
}

export interface MemoryProviderStore extends ProviderStore {
  /** Breaker events published so far, oldest first (what PostgreSQL writes to sluice.events). */
  readonly events: Array<{ type: string; provider: string; reason: string }>;
  readonly attempts: Array<AttemptRecord & { provider: string }>;
}

/** For one process without a database: `readSource` outside an opened project, and tests. */
export function createMemoryProviderStore(): MemoryProviderStore {
  const breakers = new Map<string, BreakerRecord>();
  const blocked = new Map<string, Date>();
  const grants = new Map<string, number[]>();
  const slots = new Map<string, number>();
  const events: MemoryProviderStore['events'] = [];
  const attempts: MemoryProviderStore['attempts'] = [];
  return {
    events,
    attempts,
    async read(provider, now) {
      return {
        breaker: breakers.get(provider) ?? closedBreaker(now),
        blockedUntil: blocked.get(provider) ?? null,
      };
    },
    async replaceBreaker(provider, current, next, reason) {
      const stored = breakers.get(provider);
      if ((stored?.version ?? 0) !== current.version) return false;
      breakers.set(provider, next);
      const type = breakerEventFor(current.state, next.state);
      if (type) events.push({ type, provider, reason });
      return true;
    },
    async blockUntil(provider, until) {
      const previous = blocked.get(provider);
      if (!previous || previous < until) blocked.set(provider, until);
    },
    async takeRequest(provider, limit) {
      const notBefore = performance.now();
      const now = Date.now();
      const windowMs = grantWindowMs(limit);
      const recent = (grants.get(provider) ?? []).filter((at) => at > now - windowMs);
      grants.set(provider, recent);
      if (recent.length < limit.requests) {
        recent.push(now);
        return { granted: true, at: now, notBefore };
      }
      const waitMs = Math.max(1, (recent[recent.length - limit.requests] ?? now) + windowMs - now);
      return { granted: false, waitMs };
    },
    async returnRequest(provider, grantedAt) {
      const recent = grants.get(provider) ?? [];
      const index = recent.indexOf(grantedAt);
      if (index >= 0) recent.splice(index, 1);
    },
    async tryHoldSlot(provider, limit) {
      const used = slots.get(provider) ?? 0;
      if (used >= limit) return undefined;
      slots.set(provider, used + 1);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        slots.set(provider, (slots.get(provider) ?? 1) - 1);
      };
    },
    async recordAttempt(provider, attempt) {
      attempts.push({ provider, ...attempt });
    },
  };
}

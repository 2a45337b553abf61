// The circuit breaker's state machine (closed → open → half-open → closed) as pure functions over its record.
import type { ResolvedBreaker } from './resilience-policy.ts';

export const BreakerState = { closed: 'closed', open: 'open', halfOpen: 'half_open' } as const;
export type BreakerState = (typeof BreakerState)[keyof typeof BreakerState];

/** What is stored per provider and shared by every process. */
export interface BreakerRecord {
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  /** The failure-rate window: when it started, and what it has counted since. */
  readonly windowStartedAt: Date | null;
  readonly windowRequests: number;
  readonly windowFailures: number;
  readonly openedAt: Date | null;
  /** When the one half-open probe was let through; null while nobody holds it. */
  readonly probeStartedAt: Date | null;
  readonly changedAt: Date;
  /** Bumped by every write; a write only lands on the version it read (compare-and-set). */
  readonly version: number;
}

export function closedBreaker(now: Date, version = 0): BreakerRecord {
  return {
    state: BreakerState.closed,
    consecutiveFailures: 0,
    windowStartedAt: null,
    windowRequests: 0,
    windowFailures: 0,
    openedAt: null,
    probeStartedAt: null,
    changedAt: now,
    version,
  };
}

export type Admission =
  | { readonly kind: 'allow' }
  /** The caller may send the one probe once it has stored `next` (compare-and-set). */
  | { readonly kind: 'probe'; readonly next: BreakerRecord }
  | { readonly kind: 'reject'; readonly retryAt: Date | null; readonly reason: string };

/** When an open breaker lets its probe through. */
export function nextProbeAt(record: BreakerRecord, policy: ResolvedBreaker): Date | null {
  if (record.state !== BreakerState.open || record.openedAt === null) return null;
  return new Date(record.openedAt.getTime() + policy.cooldownMs);
}

/**
 * Whether a call may go out now. After the cooldown exactly one caller gets the probe; a probe
 * older than `probeTimeoutMs` is taken to be lost (its process died) and another may take over.
 */
export function admit(
  record: BreakerRecord,
  policy: ResolvedBreaker,
  now: Date,
  probeTimeoutMs: number,
): Admission {
  if (!policy.enabled || record.state === BreakerState.closed) return { kind: 'allow' };
  const takeProbe = (): Admission => ({
    kind: 'probe',
    next: {
      ...record,
      state: BreakerState.halfOpen,
      probeStartedAt: now,
      changedAt: now,
      version: record.version + 1,
    },
  });
  if (record.state === BreakerState.open) {
    const probeAt = nextProbeAt(record, policy);
    if (probeAt === null || now.getTime() >= probeAt.getTime()) return takeProbe();
    return {
      kind: 'reject',
      retryAt: probeAt,
      reason: `open since ${record.openedAt?.toISOString()} after ${record.consecutiveFailures} consecutive failures`,
    };
  }
  const probe = record.probeStartedAt;
  if (probe === null || now.getTime() - probe.getTime() > probeTimeoutMs) return takeProbe();
  return {
    kind: 'reject',
    retryAt: null,
    reason: `half-open: a probe has been in flight since ${probe.toISOString()}`,
  };
}

function countInWindow(record: BreakerRecord, policy: ResolvedBreaker, now: Date, failed: boolean) {
  const windowMs = policy.failureRate?.windowMs ?? 0;
  const fresh =
    record.windowStartedAt === null || now.getTime() - record.windowStartedAt.getTime() >= windowMs;
  return {
    windowStartedAt: fresh ? now : record.windowStartedAt,
    windowRequests: (fresh ? 0 : record.windowRequests) + 1,
    windowFailures: (fresh ? 0 : record.windowFailures) + (failed ? 1 : 0),
  };
}

/** After a successful call: a half-open breaker closes, a closed one forgets its failure streak. */
export function recordSuccess(record: BreakerRecord, policy: ResolvedBreaker, now: Date): BreakerRecord {
  if (!policy.enabled) return record;
  if (record.state === BreakerState.halfOpen) return closedBreaker(now, record.version + 1);
  // A call let through before the breaker opened proves nothing about the upstream now.
  if (record.state === BreakerState.open) return record;
  // Unchanged records are not written: a healthy provider costs no breaker writes.
  if (record.consecutiveFailures === 0 && !policy.failureRate) return record;
  return {
    ...record,
    consecutiveFailures: 0,
    ...(policy.failureRate ? countInWindow(record, policy, now, false) : {}),
    version: record.version + 1,
  };
}

/** Why a closed breaker trips on this failure, or undefined when it stays closed. */
function tripReason(record: BreakerRecord, policy: ResolvedBreaker): string | undefined {
  if (record.consecutiveFailures >= policy.threshold)
    return `${record.consecutiveFailures} consecutive failures (threshold ${policy.threshold})`;
  const rate = policy.failureRate;
  if (rate && record.windowRequests >= rate.minRequests) {
    const share = record.windowFailures / record.windowRequests;
    if (share >= rate.rate) {
      return `${record.windowFailures} of ${record.windowRequests} requests failed (${Math.round(share * 100)} % ≥ ${Math.round(rate.rate * 100)} %)`;
    }
  }
  return undefined;
}

/** After a failed call: the failed probe reopens the breaker; a closed one opens past its threshold. */
export function recordFailure(
  record: BreakerRecord,
  policy: ResolvedBreaker,
  now: Date,
): { next: BreakerRecord; reason: string | undefined } {
  if (!policy.enabled) return { next: record, reason: undefined };
  const counted = {
    ...record,
    consecutiveFailures: record.consecutiveFailures + 1,
    version: record.version + 1,
  };
  if (record.state === BreakerState.halfOpen) {
    const next = {
      ...counted,
      state: BreakerState.open,
      openedAt: now,
      probeStartedAt: null,
      changedAt: now,
    };
    return { next, reason: 'the half-open probe failed' };
  }
  if (record.state === BreakerState.open) return { next: counted, reason: undefined };
  const closed = { ...counted, ...(policy.failureRate ? countInWindow(record, policy, now, true) : {}) };
  const reason = tripReason(closed, policy);
  if (reason === undefined) return { next: closed, reason: undefined };
  return { next: { ...closed, state: BreakerState.open, openedAt: now, changedAt: now }, reason };
}

/** A probe that never went out (its run was cancelled): hands it back for the next caller. */
export function abandonProbe(record: BreakerRecord): BreakerRecord {
  if (record.state !== BreakerState.halfOpen || record.probeStartedAt === null) return record;
  return { ...record, probeStartedAt: null, version: record.version + 1 };
}

/** A manual reset: closed, counters cleared, whatever the state was. */
export function resetBreaker(record: BreakerRecord, now: Date): BreakerRecord {
  return closedBreaker(now, record.version + 1);
}

/** The event a change publishes, named `noun:past-verb`. */
export const BreakerEvent = {
  opened: 'breaker:opened',
  halfOpened: 'breaker:half-opened',
  closed: 'breaker:closed',
} as const;
export type BreakerEvent = (typeof BreakerEvent)[keyof typeof BreakerEvent];

export function breakerEventFor(from: BreakerState, to: BreakerState): BreakerEvent | undefined {
  if (from === to) return undefined;
  if (to === BreakerState.open) return BreakerEvent.opened;
  if (to === BreakerState.halfOpen) return BreakerEvent.halfOpened;
  return BreakerEvent.closed;
}

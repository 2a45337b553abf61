// One http provider call under its policies: shared breaker, Retry-After, concurrency and rate limits,
// retries with backoff and a budget, and the stats every process reports.
import { backoffDelay } from '../../domain/backoff.ts';
import {
  abandonProbe,
  admit,
  type BreakerRecord,
  BreakerState,
  nextProbeAt,
  recordFailure,
  recordSuccess,
} from '../../domain/circuit-breaker.ts';
import { ErrorCode, errorCode, errorMessage, SourceError } from '../../domain/errors.ts';
import { providerStateKey, providerStateName, renderScope } from '../../domain/provider-scope.ts';
import {
  envNumber,
  providerEnvPrefix,
  type ResiliencePolicy,
  resolvePolicy,
} from '../../domain/resilience-policy.ts';
import type { HttpSourceDefinition } from '../../domain/source-definition.ts';
import type { SourceChunk } from '../../domain/source-item.ts';
import { classifyFailure, countsAgainstBreaker, UpstreamOutcome } from '../../domain/upstream-outcome.ts';
import { type Clock, type Logger, type SourceContext, systemClock } from '../../engine/ports.ts';
import { secretRedactor } from '../log/secret-redactor.ts';
import { readHttpSource } from './http-source.ts';
import type { TokenCache } from './oauth2-token-cache.ts';
import { type ProcessLimits, sleep } from './process-limits.ts';
import type { AttemptRecord, ProviderStore, SlotRelease } from './provider-store.ts';
import { waitForRateLimit } from './rate-limit-grant.ts';

export interface ResilienceDeps {
  store: ProviderStore;
  limits: ProcessLimits;
  /** The provider override variables: Settings.overrides (SLUICE_SOURCE_<NAME>_*, SLUICE_BREAKER_*). */
  env: Readonly<Record<string, string | undefined>>;
  /** @defaultValue Math.random */
  random?: () => number;
  /** OAuth 2 tokens of sources with `auth`. @defaultValue one cache for this process */
  tokens?: TokenCache;
}

/** A probe older than the call's timeout plus this is taken to be lost with its process. */
const PROBE_MARGIN_MS = 5000;
const SLOT_POLL_MAX_MS = 500;
/** Compare-and-set rounds before giving up on a breaker write that others keep winning. */
const CAS_ROUNDS = 5;

/** The definition with SLUICE_SOURCE_<NAME>_TIMEOUT_MS and _MAX_BYTES applied. */
export function withEnvLimits(
  source: HttpSourceDefinition,
  env: Readonly<Record<string, string | undefined>>,
): HttpSourceDefinition {
  const prefix = providerEnvPrefix(source.name);
  const timeoutMs = envNumber(env, `${prefix}TIMEOUT_MS`, 1, true);
  const maxBytes = envNumber(env, `${prefix}MAX_BYTES`, 1, true);
  if (timeoutMs === undefined && maxBytes === undefined) return source;
  return { ...source, timeoutMs: timeoutMs ?? source.timeoutMs, maxBytes: maxBytes ?? source.maxBytes };
}

interface Call {
  /** As operators see it (`pioupiou[annecy]` when scoped): in messages and logs. */
  readonly provider: string;
  /** The store's key for this call's state: `pioupiou` or `pioupiou|annecy`. */
  readonly key: string;
  readonly policy: ResiliencePolicy;
  readonly store: ProviderStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

/** Bookkeeping never fails a call: a lost stats write is logged, the data still flows. */
async function quietly<T>(call: Call, what: string, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    call.log.warn({ provider: call.provider, err: error }, `could not record ${what} for "${call.provider}"`);
    return undefined;
  }
}

function logTransition(call: Call, from: BreakerRecord, to: BreakerRecord, reason: string): void {
  if (from.state === to.state) return;
  const fields = { provider: call.provider, from: from.state, to: to.state, reason };
  if (to.state === BreakerState.open)
    call.log.warn(fields, `circuit breaker of "${call.provider}" opened: ${reason}`);
  else if (to.state === BreakerState.halfOpen)
    call.log.info(fields, `circuit breaker of "${call.provider}" half-open: ${reason}`);
  else call.log.info(fields, `circuit breaker of "${call.provider}" closed: ${reason}`);
}

/** Applies `change` to the stored breaker with compare-and-set; returns the record that was stored. */
async function changeBreaker(
  call: Call,
  change: (record: BreakerRecord, now: Date) => { next: BreakerRecord; reason: string },
): Promise<BreakerRecord | undefined> {
  for (let round = 0; round < CAS_ROUNDS; round++) {
    const now = call.clock.now();
    const { breaker } = await call.store.read(call.key, now);
    const { next, reason } = change(breaker, now);
    if (next === breaker) return breaker;
    if (await call.store.replaceBreaker(call.key, breaker, next, reason)) {
      logTransition(call, breaker, next, reason);
      return next;
    }
  }
  call.log.warn(
    { provider: call.provider },
    `breaker update of "${call.provider}" kept losing to other processes`,
  );
  return undefined;
}

function rejected(call: Call, message: string, code: ErrorCode): SourceError {
  return new SourceError(code, `source "${call.provider}": ${message}`, { retryable: false });
}

/** How an operator closes a breaker without waiting for its cooldown. */
function breakerResetHint(provider: string): string {
  const quoted = /^[\w.:@/-]+$/.test(provider) ? provider : `'${provider.replaceAll("'", "'\\''")}'`;
  return `reset it with \`sluice sources reset ${quoted}\` (or POST /api/sources/${encodeURIComponent(provider)}/reset)`;
}

function breakerRejected(call: Call, message: string): SourceError {
  return rejected(call, `${message}; ${breakerResetHint(call.provider)}`, ErrorCode.breakerOpen);
}

/**
 * Waits out a Retry-After deadline (when short enough), then asks the breaker. Returns whether
 * this call holds the half-open probe; throws when the breaker or the deadline says no.
 */
async function admitCall(call: Call, probeTimeoutMs: number): Promise<boolean> {
  const { provider, key, store, clock, policy } = call;
  const first = await store.read(key, clock.now());
  const blockedUntil = first.blockedUntil;
  const waitMs = blockedUntil ? blockedUntil.getTime() - clock.now().getTime() : 0;
  if (waitMs > policy.retry.maxRetryAfterMs && blockedUntil) {
    await quietly(call, 'a short-circuit', () =>
      store.recordAttempt(key, { outcome: UpstreamOutcome.shortCircuited, at: clock.now() }),
    );
    throw rejected(
      call,
      `the upstream asked not to be called before ${blockedUntil.toISOString()} (Retry-After)`,
      ErrorCode.rateLimited,
    );
  }
  if (waitMs > 0) {
    call.log.info({ provider, waitMs }, `waiting ${waitMs} ms for "${provider}" (Retry-After)`);
    await sleep(waitMs, call.signal);
  }
  for (let round = 0; round < CAS_ROUNDS; round++) {
    const now = clock.now();
    const { breaker } = round === 0 && waitMs <= 0 ? first : await store.read(key, now);
    const admission = admit(breaker, policy.breaker, now, probeTimeoutMs);
    if (admission.kind === 'allow') return false;
    if (admission.kind === 'probe') {
      const reason = `cooldown of ${policy.breaker.cooldownMs / 1000} s over: one probe goes through`;
      if (await store.replaceBreaker(key, breaker, admission.next, reason)) {
        logTransition(call, breaker, admission.next, reason);
        return true;
      }
      continue;
    }
    await quietly(call, 'a short-circuit', () =>
      store.recordAttempt(key, { outcome: UpstreamOutcome.shortCircuited, at: now }),
    );
    const probeAt = nextProbeAt(breaker, policy.breaker);
    throw breakerRejected(
      call,
      `circuit breaker ${admission.reason}${probeAt ? `; next probe after ${probeAt.toISOString()}` : ''}`,
    );
  }
  throw breakerRejected(call, 'circuit breaker half-open: another process holds the probe');
}

/** A concurrency slot (this process's queue first, then the shared one), then a rate-limit token. */
async function holdLimits(call: Call, limits: ProcessLimits): Promise<SlotRelease> {
  const { key, policy, store, signal } = call;
  let release: SlotRelease = async () => {};
  if (policy.concurrency !== undefined) {
    const local = await limits.semaphore(key, policy.concurrency).acquire(signal);
    try {
      let shared = await store.tryHoldSlot(key, policy.concurrency);
      for (let pause = 25; !shared; pause = Math.min(pause * 2, SLOT_POLL_MAX_MS)) {
        await sleep(pause, signal);
        shared = await store.tryHoldSlot(key, policy.concurrency);
      }
      const held = shared;
      release = async () => {
        try {
          await held();
        } finally {
          local();
        }
      };
    } catch (error) {
      local();
      throw error;
    }
  }
  try {
    // Last before the request leaves: see waitForRateLimit for why the grant must be fresh.
    if (policy.rateLimit)
      await waitForRateLimit(store, key, policy.rateLimit, {
        signal,
        log: call.log,
        what: 'a request',
        shown: call.provider,
      });
  } catch (error) {
    await release();
    throw error;
  }
  return release;
}

function asSourceError(error: unknown): SourceError {
  if (error instanceof SourceError) return error;
  return new SourceError(ErrorCode.source, errorMessage(error), { retryable: false, cause: error });
}

/** Reads an http provider under its policies; records once the first chunk arrived are never retried. */
export async function* readResilientHttp(
  source: HttpSourceDefinition,
  context: SourceContext,
  deps: ResilienceDeps,
): AsyncGenerator<SourceChunk> {
  const env = deps.env;
  // Policies and overrides belong to the provider; the state they act on may be one scope of it.
  const scope = renderScope(source.name, source.scope, context.params);
  const provider = providerStateName(source.name, scope);
  const key = providerStateKey(source.name, scope);
  const call: Call = {
    provider,
    key,
    policy: resolvePolicy(source.name, source.resilience, env),
    store: deps.store,
    clock: context.clock ?? systemClock,
    log: context.logger,
    signal: context.signal,
  };
  const { policy, store, clock, log } = call;
  const definition = withEnvLimits(source, env);
  const budget = deps.limits.budget(key, policy.retry);
  const random = deps.random ?? Math.random;

  for (let attempt = 1; ; attempt++) {
    const probe = await admitCall(call, definition.timeoutMs + PROBE_MARGIN_MS);
    let release: SlotRelease;
    try {
      release = await holdLimits(call, deps.limits);
    } catch (error) {
      // Cancelled while queued: a held probe is handed back for someone else.
      if (probe) {
        await quietly(call, 'the abandoned probe', () =>
          changeBreaker(call, (record) => ({ next: abandonProbe(record), reason: 'probe abandoned' })),
        );
      }
      throw error;
    }
    const started = performance.now();
    let latencyMs: number | undefined;
    let delivered = false;
    let failure: SourceError | undefined;
    try {
      for await (const chunk of readHttpSource(definition, context, deps.tokens)) {
        latencyMs ??= Math.round(performance.now() - started);
        delivered = true;
        yield chunk;
      }
    } catch (error) {
      failure = asSourceError(error);
    } finally {
      await release();
      // No failure also covers a consumer that stopped reading early: the upstream did deliver.
      if (failure === undefined) {
        budget.onSuccess();
        const attemptRecord: AttemptRecord = {
          outcome: UpstreamOutcome.success,
          at: clock.now(),
          latencyMs: latencyMs ?? Math.round(performance.now() - started),
        };
        await quietly(call, 'a success', () => store.recordAttempt(key, attemptRecord));
        await quietly(call, 'the breaker', () =>
          changeBreaker(call, (record, now) => ({
            next: recordSuccess(record, policy.breaker, now),
            reason: probe ? 'the probe succeeded' : 'a call succeeded',
          })),
        );
      }
    }
    if (failure === undefined) return;

    const outcome = classifyFailure({
      code: errorCode(failure),
      status: failure.status,
      retryable: failure.retryable,
    });
    const message = secretRedactor.redact(failure.message);
    await quietly(call, 'a failure', () =>
      store.recordAttempt(key, {
        outcome,
        at: clock.now(),
        latencyMs: latencyMs ?? Math.round(performance.now() - started),
        message,
      }),
    );
    let breaker: BreakerRecord | undefined;
    if (countsAgainstBreaker(outcome)) {
      budget.onFailure();
      breaker = await quietly(call, 'the breaker', () =>
        changeBreaker(call, (record, now) => {
          const { next, reason } = recordFailure(record, policy.breaker, now);
          return { next, reason: `${reason ?? 'a call failed'}; last failure: ${message}` };
        }),
      );
    } else if (probe) {
      // The probe was answered (a 404 for our request) or cancelled: either way it is over.
      await quietly(call, 'the breaker', () =>
        changeBreaker(call, (record, now) =>
          outcome === UpstreamOutcome.cancelled
            ? { next: abandonProbe(record), reason: 'probe abandoned' }
            : { next: recordSuccess(record, policy.breaker, now), reason: 'the probe was answered' },
        ),
      );
    }
    const retryAfterMs = failure.retryAfterMs;
    if (retryAfterMs !== undefined) {
      // Shared: no process calls this upstream again before the deadline it gave.
      await quietly(call, 'the Retry-After deadline', () =>
        store.blockUntil(key, new Date(clock.now().getTime() + retryAfterMs)),
      );
    }
    const tooLong = retryAfterMs !== undefined && retryAfterMs > policy.retry.maxRetryAfterMs;
    const canRetry =
      failure.retryable &&
      !delivered &&
      !probe &&
      !context.signal.aborted &&
      attempt < policy.retry.attempts &&
      !tooLong &&
      breaker?.state !== BreakerState.open;
    if (!canRetry) throw failure;
    if (!budget.canRetry()) {
      log.warn({ provider, attempt }, `retry budget of "${provider}" exhausted: not retrying`);
      throw failure;
    }
    // With a Retry-After the next admission waits for the shared deadline instead of a backoff.
    const waitMs = retryAfterMs === undefined ? backoffDelay(attempt, policy.retry, random) : 0;
    log.warn(
      { provider, attempt, of: policy.retry.attempts, waitMs, code: failure.code },
      `"${provider}" failed (${message}); retrying in ${retryAfterMs ?? waitMs} ms`,
    );
    await sleep(waitMs, context.signal);
  }
}

// The pure parts of resilient sources: backoff, Retry-After, retry budget, breaker transitions, policies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, parseRetryAfter, RetryBudget } from './backoff.ts';
import {
  abandonProbe,
  admit,
  type BreakerRecord,
  breakerEventFor,
  closedBreaker,
  recordFailure,
  recordSuccess,
  resetBreaker,
} from './circuit-breaker.ts';
import { ConfigError, ErrorCode } from './errors.ts';
import { resolvePolicy } from './resilience-policy.ts';
import { fallback, files, http, staticValue } from './source-definition.ts';
import { classifyFailure, countsAgainstBreaker, percentile } from './upstream-outcome.ts';

const T0 = new Date('2026-03-02T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const breaker = resolvePolicy('p', { breaker: { threshold: 3, cooldownS: 30 } }, {}).breaker;

function failTimes(record: BreakerRecord, times: number, now = T0): BreakerRecord {
  let current = record;
  for (let index = 0; index < times; index++) current = recordFailure(current, breaker, now).next;
  return current;
}

describe('backoff', () => {
  it('draws the n-th delay from [0, min(max, base × 2^(n-1))] (full jitter)', () => {
    const options = { baseDelayMs: 100, maxDelayMs: 1000 };
    assert.equal(
      backoffDelay(1, options, () => 0.999999),
      99,
    );
    assert.equal(
      backoffDelay(3, options, () => 0.5),
      200,
    );
    assert.equal(
      backoffDelay(10, options, () => 0.999999),
      999,
    );
    assert.equal(
      backoffDelay(4, options, () => 0),
      0,
    );
  });

  it('reads Retry-After as seconds or an HTTP date, and ignores nonsense', () => {
    assert.equal(parseRetryAfter('1', T0), 1000);
    assert.equal(parseRetryAfter(' 120 ', T0), 120_000);
    assert.equal(parseRetryAfter('Mon, 02 Mar 2026 10:00:05 GMT', T0), 5000);
    assert.equal(parseRetryAfter('Mon, 02 Mar 2026 09:00:00 GMT', T0), 0);
    assert.equal(parseRetryAfter('soon', T0), undefined);
    assert.equal(parseRetryAfter(undefined, T0), undefined);
  });

  it('stops retries while more than half of the budget is spent, and earns it back with successes', () => {
    const budget = new RetryBudget({ budgetTokens: 4, budgetRatio: 0.5 });
    assert.ok(budget.canRetry());
    budget.onFailure();
    assert.ok(budget.canRetry());
    budget.onFailure();
    assert.ok(!budget.canRetry(), 'at half the tokens retries stop');
    budget.onSuccess();
    assert.ok(budget.canRetry());
  });
});

describe('circuit breaker', () => {
  it('opens after the threshold of consecutive failures; a success in between resets the streak', () => {
    let record = failTimes(closedBreaker(T0), 2);
    assert.equal(record.state, 'closed');
    record = recordSuccess(record, breaker, T0);
    assert.equal(record.consecutiveFailures, 0);
    const { next, reason } = recordFailure(failTimes(record, 2), breaker, at(1));
    assert.equal(next.state, 'open');
    assert.equal(next.openedAt?.toISOString(), at(1).toISOString());
    assert.match(reason ?? '', /3 consecutive failures \(threshold 3\)/);
  });

  it('lets exactly one probe through after the cooldown, then closes on its success', () => {
    const open = failTimes(closedBreaker(T0), 3);
    assert.equal(admit(open, breaker, at(29), 10_000).kind, 'reject');
    const probe = admit(open, breaker, at(30), 10_000);
    assert.equal(probe.kind, 'probe');
    if (probe.kind !== 'probe') return;
    assert.equal(probe.next.state, 'half_open');
    assert.equal(probe.next.version, open.version + 1);
    // Everyone else who reads the half-open record while the probe is out is turned away.
    const other = admit(probe.next, breaker, at(31), 10_000);
    assert.equal(other.kind, 'reject');
    const closed = recordSuccess(probe.next, breaker, at(32));
    assert.equal(closed.state, 'closed');
    assert.equal(closed.consecutiveFailures, 0);
    assert.equal(breakerEventFor(probe.next.state, closed.state), 'breaker:closed');
  });

  it('reopens when the probe fails, hands a lost probe to the next caller, and resets on demand', () => {
    const open = failTimes(closedBreaker(T0), 3);
    const probe = admit(open, breaker, at(30), 10_000);
    assert.equal(probe.kind, 'probe');
    if (probe.kind !== 'probe') return;
    const reopened = recordFailure(probe.next, breaker, at(31));
    assert.equal(reopened.next.state, 'open');
    assert.equal(reopened.reason, 'the half-open probe failed');
    assert.equal(admit(reopened.next, breaker, at(60), 10_000).kind, 'reject', 'a new cooldown started');
    assert.equal(
      admit(probe.next, breaker, at(41), 10_000).kind,
      'probe',
      'a probe older than its timeout is lost',
    );
    assert.equal(abandonProbe(probe.next).probeStartedAt, null);
    assert.equal(resetBreaker(reopened.next, at(32)).state, 'closed');
  });

  it('opens on a failure rate over a window once enough requests were seen', () => {
    const policy = resolvePolicy(
      'p',
      { breaker: { threshold: 100, failureRate: { rate: 0.5, windowS: 60, minRequests: 4 } } },
      {},
    ).breaker;
    let record = closedBreaker(T0);
    for (const failed of [true, false, true]) {
      record = failed ? recordFailure(record, policy, T0).next : recordSuccess(record, policy, T0);
    }
    assert.equal(record.state, 'closed', 'three requests are below minRequests');
    const { next, reason } = recordFailure(record, policy, at(1));
    assert.equal(next.state, 'open');
    assert.match(reason ?? '', /3 of 4 requests failed/);
    // A new window forgets the old counts.
    const later = recordFailure(recordSuccess(record, policy, at(61)), policy, at(62)).next;
    assert.equal(later.windowRequests, 2);
  });

  it('does nothing when disabled', () => {
    const off = resolvePolicy('p', { breaker: false }, {}).breaker;
    assert.equal(failTimes(closedBreaker(T0), 50).state, 'open');
    let record = closedBreaker(T0);
    for (let index = 0; index < 50; index++) record = recordFailure(record, off, T0).next;
    assert.equal(record.state, 'closed');
    assert.equal(admit(record, off, T0, 1).kind, 'allow');
  });
});

describe('resilience policy', () => {
  it('takes per-provider env over the definition over the global env over the defaults', () => {
    assert.equal(resolvePolicy('api.x.dev', {}, {}).breaker.threshold, 5);
    assert.equal(resolvePolicy('api.x.dev', {}, { SLUICE_BREAKER_THRESHOLD: '7' }).breaker.threshold, 7);
    const declared = { breaker: { threshold: 2, cooldownS: 10 }, retry: { attempts: 4 } };
    const env = {
      SLUICE_BREAKER_THRESHOLD: '7',
      SLUICE_BREAKER_COOLDOWN_S: '99',
      SLUICE_SOURCE_API_X_DEV_BREAKER_COOLDOWN_S: '1',
      SLUICE_SOURCE_API_X_DEV_RATE_LIMIT: '8/1m',
      SLUICE_SOURCE_API_X_DEV_CONCURRENCY: '2',
    };
    const policy = resolvePolicy('api.x.dev', declared, env);
    assert.equal(policy.breaker.threshold, 2);
    assert.equal(policy.breaker.cooldownMs, 1000);
    assert.deepEqual(policy.rateLimit, { requests: 8, intervalMs: 60_000 });
    assert.equal(policy.concurrency, 2);
    assert.equal(policy.retry.attempts, 4);
    assert.equal(resolvePolicy('p', { retry: false }, {}).retry.attempts, 1);
    assert.throws(
      () => resolvePolicy('p', {}, { SLUICE_BREAKER_THRESHOLD: 'many' }),
      /SLUICE_BREAKER_THRESHOLD must be a whole number/,
    );
  });

  it('refuses impossible options when the source is defined', () => {
    assert.throws(() => http({ url: 'https://x.test/', retry: { attempts: 0 } }), ConfigError);
    assert.throws(
      () => http({ url: 'https://x.test/', rateLimit: { requests: 5, per: 'soon' } }),
      /not a duration/,
    );
    assert.throws(() => http({ url: 'https://x.test/', breaker: { failureRate: { rate: 2 } } }), /at most 1/);
  });
});

describe('fallback and static definitions', () => {
  it('flattens chains, names them, and keeps a static value last', () => {
    const a = http({ url: 'https://a.test/', name: 'a' });
    const b = files({ dir: 'data', name: 'b' });
    const last = staticValue({ name: 'fx', records: { rate: 1.1 }, asOf: '2025-06-13' });
    const chain = fallback(fallback(a, b), last);
    assert.equal(chain.name, 'a > b > static:fx');
    assert.deepEqual(
      chain.providers.map((provider) => provider.kind),
      ['http', 'files', 'static'],
    );
    assert.throws(() => fallback(last, a), /must come last/);
    assert.throws(
      () => fallback(a, http({ url: 'https://other.test/', name: 'a' })),
      /two providers are named "a"/,
    );
    assert.throws(() => fallback(a), /at least two/);
    assert.throws(() => staticValue({ name: 'x', records: [], asOf: '2025-06-13' }), /non-empty/);
    assert.throws(() => staticValue({ name: 'x', records: {}, asOf: 'yesterday' }), /asOf/);
  });
});

describe('upstream outcomes', () => {
  it('classifies failures and counts only those that say the upstream is unwell', () => {
    assert.equal(classifyFailure({ code: ErrorCode.upstreamHttp, status: 503 }), 'server_error');
    assert.equal(classifyFailure({ code: ErrorCode.upstreamHttp, status: 429 }), 'rate_limited');
    assert.equal(classifyFailure({ code: ErrorCode.upstreamHttp, status: 404 }), 'client_error');
    assert.equal(classifyFailure({ code: ErrorCode.timeout }), 'timeout');
    assert.equal(classifyFailure({ code: ErrorCode.upstreamErrorBody }), 'bad_response');
    assert.equal(classifyFailure({ code: ErrorCode.source, retryable: true }), 'network_error');
    assert.ok(countsAgainstBreaker('server_error'));
    assert.ok(!countsAgainstBreaker('client_error'));
    assert.ok(!countsAgainstBreaker('cancelled'));
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
    assert.equal(percentile([5, 1, 4, 2, 3], 99), 5);
    assert.equal(percentile([], 50), null);
  });
});

// Hostile input: a rate-limit grant that comes back late (a slow database answer, a busy event loop),
// so that its request would leave too late and reach the upstream too close to the next one. Expected:
// the grant is handed back unused and another taken; the window counts only the request that left.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { createMemoryProviderStore, type ProviderStore } from '../../src/adapters/sources/provider-store.ts';
import { waitForRateLimit } from '../../src/adapters/sources/rate-limit-grant.ts';
import { grantWindowMs, rateLimitMarginMs } from '../../src/domain/resilience-policy.ts';

const limit = { requests: 2, intervalMs: 1000 };
const context = {
  signal: new AbortController().signal,
  log: createLogger({ level: 'silent' }),
  what: 'a request',
};

/** The memory store, with the answers to the first `slow` grants delayed by `delayMs`. */
function slowStore(slow: number, delayMs: number) {
  const inner = createMemoryProviderStore();
  const returned: number[] = [];
  let takes = 0;
  const store: ProviderStore = {
    ...inner,
    async takeRequest(provider, rate) {
      const take = await inner.takeRequest(provider, rate);
      if (take.granted && takes++ < slow) await sleep(delayMs);
      return take;
    },
    async returnRequest(provider, grantedAt) {
      returned.push(grantedAt);
      await inner.returnRequest(provider, grantedAt);
    },
  };
  return { store, inner, returned };
}

describe('a rate-limit grant that arrives too late to send on', () => {
  it('is handed back and another taken; only the request sent counts in the window', async () => {
    const late = rateLimitMarginMs(limit) / 2 + 75;
    const { store, inner, returned } = slowStore(1, late);
    const started = performance.now();
    await waitForRateLimit(store, 'late-provider', limit, context);
    assert.equal(returned.length, 1, 'the late grant was handed back');
    assert.ok(performance.now() - started >= late);
    // Only the fresh grant counts: one of the two requests is still free, then the window is full.
    assert.equal((await inner.takeRequest('late-provider', limit)).granted, true);
    assert.equal((await inner.takeRequest('late-provider', limit)).granted, false);
  });

  it('is used at once when it comes back as fast as usual', async () => {
    const { store, returned } = slowStore(0, 0);
    await waitForRateLimit(store, 'fast-provider', limit, context);
    assert.deepEqual(returned, []);
  });
});

describe('the margin of a rate limit', () => {
  it('is a quarter of the interval, within 50 ms and 2 s', () => {
    assert.equal(rateLimitMarginMs({ requests: 2, intervalMs: 1000 }), 250);
    assert.equal(rateLimitMarginMs({ requests: 1, intervalMs: 100 }), 50);
    assert.equal(rateLimitMarginMs({ requests: 8, intervalMs: 60_000 }), 2000);
    assert.equal(grantWindowMs({ requests: 2, intervalMs: 1000 }), 1250);
  });
});

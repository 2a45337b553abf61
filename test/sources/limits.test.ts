// Rate and concurrency limits shared by every process, and the retry budget, against a local upstream.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { collectItems, testContext } from '../../src/adapters/sources/source-test-kit.ts';
import { SourceError } from '../../src/domain/errors.ts';
import { http } from '../../src/domain/source-definition.ts';
import type { SourceReader } from '../../src/engine/ports.ts';
import { testBackends } from '../support/databases.ts';
import { upstreamFixture } from '../support/fixture-server.ts';
import {
  readThrough as read,
  type ScriptedUpstreams,
  startScriptedUpstreams,
} from '../support/scripted-upstream.ts';

const JSON_TYPE = { 'content-type': 'application/json' };

for (const backend of await testBackends()) {
  describe(`source limits on ${backend.kind}`, { skip: backend.skip }, () => {
    let upstreams: ScriptedUpstreams;
    let readers: [SourceReader, SourceReader];
    before(async () => {
      upstreams = await startScriptedUpstreams(backend);
      readers = upstreams.readers;
    });
    after(() => upstreams.close());
    const route: ScriptedUpstreams['route'] = (path, handler) => upstreams.route(path, handler);
    const hitsOf = (path: string) => upstreams.arrivals(path).length;

    it('keeps every process together within the rate limit and the concurrency limit', async () => {
      const quote = upstreamFixture('twelvedata_quote_AAPL.json');
      const limitedUrl = route('/rate', (response) => response.writeHead(200, JSON_TYPE).end(quote));
      const limited = http({
        url: limitedUrl,
        name: 'rate-limited',
        rateLimit: { requests: 2, per: '400ms' },
      });
      const started = Date.now();
      await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          collectItems((readers[index % 2] as SourceReader)(limited, testContext())),
        ),
      );
      const arrivals = [...upstreams.arrivals('/rate')].sort((left, right) => left - right);
      assert.equal(arrivals.length, 6);
      // Arrivals trail their grants by a round trip that a loaded machine stretches without bound
      // (PGlite runs on this event loop), so gaps between arrivals prove nothing either way (58 ms
      // and 224 ms were seen for a 400 ms window). What cannot be stretched the wrong way: the k-th
      // arrival comes no earlier than the k-th grant, and with 2 per 400 ms that is k/2 windows
      // after the start. Without the limiter every arrival is within milliseconds of the start.
      const late = arrivals.map((at, index) => ({
        index,
        after: at - started,
        floor: Math.floor(index / 2) * 400,
      }));
      const early = late.filter(({ after, floor }) => after < floor - 20);
      assert.deepEqual(
        early,
        [],
        `arrivals (ms after the start): ${late.map(({ after }) => after).join(', ')}`,
      );
      assert.ok(Date.now() - started >= 750);

      let inFlight = 0;
      let most = 0;
      const slowUrl = route('/slow', (response) => {
        inFlight++;
        most = Math.max(most, inFlight);
        setTimeout(() => {
          inFlight--;
          response.writeHead(200, JSON_TYPE).end(quote);
        }, 40);
      });
      const slow = http({ url: slowUrl, name: 'one-at-a-time', concurrency: 1 });
      await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          collectItems((readers[index % 2] as SourceReader)(slow, testContext())),
        ),
      );
      assert.equal(hitsOf('/slow'), 6);
      assert.equal(most, 1);
    });

    it('stops retrying when the retry budget is spent', async () => {
      const down = route('/down', (response) => response.writeHead(502).end('Bad Gateway'));
      const source = http({
        url: down,
        name: 'budgeted',
        retry: { attempts: 5, baseDelayMs: 1, budgetTokens: 4 },
        breaker: false,
      });
      const first = await read(readers[0], source);
      assert.ok(first.error instanceof SourceError);
      // 4 tokens: after two failures half are gone, so the first call makes two attempts, the next one.
      assert.equal(hitsOf('/down'), 2);
      await read(readers[0], source);
      assert.equal(hitsOf('/down'), 3);
      assert.ok(
        first.logger.lines.some((line) => /retry budget of "budgeted" exhausted/.test(line.message ?? '')),
      );
    });
  });
}

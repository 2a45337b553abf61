// Resilient sources against local upstreams that fail in scripted ways, with the shared state in
// PGlite and PostgreSQL: breaker with fallback, Retry-After, error bodies, client errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readBreaker } from '../../src/adapters/postgres/breaker-store.ts';
import { listSourceStats } from '../../src/adapters/postgres/source-stats-store.ts';
import { collectItems, testContext } from '../../src/adapters/sources/source-test-kit.ts';
import type { SourceError } from '../../src/domain/errors.ts';
import { fallback, http } from '../../src/domain/source-definition.ts';
import type { Clock, SourceReader } from '../../src/engine/ports.ts';
import { testBackends } from '../support/databases.ts';
import { upstreamFixture } from '../support/fixture-server.ts';
import {
  readThrough as read,
  type ScriptedUpstreams,
  startScriptedUpstreams,
} from '../support/scripted-upstream.ts';

const JSON_TYPE = { 'content-type': 'application/json' };
const T0 = new Date('2026-03-02T10:00:00Z');
const FRANKFURTER = upstreamFixture('frankfurter_latest_base-EUR.json');

function settableClock(start: Date): Clock & { set(seconds: number): void } {
  let current = start;
  return {
    now: () => current,
    set(seconds) {
      current = new Date(start.getTime() + seconds * 1000);
    },
  };
}

for (const backend of await testBackends()) {
  describe(`resilient sources on ${backend.kind}`, { skip: backend.skip }, () => {
    let upstreams: ScriptedUpstreams;
    let readers: [SourceReader, SourceReader];
    before(async () => {
      upstreams = await startScriptedUpstreams(backend);
      readers = upstreams.readers;
    });
    after(() => upstreams.close());
    const route: ScriptedUpstreams['route'] = (path, handler) => upstreams.route(path, handler);
    const hitsOf = (path: string) => upstreams.arrivals(path).length;

    it('opens the breaker on 503s, serves from the fallback, lets exactly one probe through, then closes', async () => {
      let up = false;
      let releaseProbe = () => {};
      const probeHeld = new Promise<void>((resolve) => {
        releaseProbe = resolve;
      });
      const primary = route('/primary', (response) => {
        if (!up)
          return void response.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
        probeHeld.then(() => response.writeHead(200, JSON_TYPE).end(FRANKFURTER));
      });
      const secondary = route('/secondary', (response) =>
        response.writeHead(200, JSON_TYPE).end(FRANKFURTER),
      );
      const chain = fallback(
        http({
          url: primary,
          name: 'frankfurter',
          retry: { attempts: 2, baseDelayMs: 1 },
          breaker: { threshold: 2, cooldownS: 30 },
        }),
        http({ url: secondary, name: 'ecb' }),
      );
      const clock = settableClock(T0);

      const first = await read(readers[0], chain, clock);
      assert.equal(hitsOf('/primary'), 2, 'one attempt and one retry');
      assert.equal(first.servedBy, 'ecb');
      assert.deepEqual(
        first.providers.map((attempt) => [attempt.provider, attempt.outcome]),
        [
          ['frankfurter', 'failed'],
          ['ecb', 'served'],
        ],
      );
      assert.match(first.providers[0]?.message ?? '', /answered HTTP 503: Service Unavailable/);
      assert.ok(
        first.logger.lines.some((line) => /circuit breaker of "frankfurter" opened/.test(line.message ?? '')),
      );
      assert.equal((await readBreaker(upstreams.db, 'frankfurter', T0)).breaker.state, 'open');

      clock.set(10);
      for (const reader of readers) {
        const run = await read(reader, chain, clock);
        assert.equal(run.servedBy, 'ecb');
        assert.equal(run.providers[0]?.outcome, 'skipped');
        assert.match(
          run.providers[0]?.message ?? '',
          /circuit breaker open since .* next probe after 2026-03-02T10:00:30/,
        );
      }
      assert.equal(hitsOf('/primary'), 2, 'an open breaker sends nothing, in any process');

      up = true;
      clock.set(31);
      let finished = 0;
      let allButOne = () => {};
      const othersDone = new Promise<void>((resolve) => {
        allButOne = resolve;
      });
      const runs = Array.from({ length: 6 }, (_, index) =>
        read(readers[index % 2] as SourceReader, chain, clock).then((run) => {
          if (++finished === 5) allButOne();
          return run;
        }),
      );
      // The probe is held at the upstream until the five others have met the half-open breaker.
      await othersDone;
      assert.equal(hitsOf('/primary'), 3, 'exactly one probe');
      releaseProbe();
      const results = await Promise.all(runs);
      assert.deepEqual(results.map((run) => run.servedBy).sort(), [
        'ecb',
        'ecb',
        'ecb',
        'ecb',
        'ecb',
        'frankfurter',
      ]);
      for (const run of results.filter((result) => result.servedBy === 'ecb')) {
        assert.match(run.providers[0]?.message ?? '', /half-open: a probe has been in flight/);
      }
      assert.equal((await readBreaker(upstreams.db, 'frankfurter', T0)).breaker.state, 'closed');

      const closed = await read(readers[1], chain, clock);
      assert.equal(closed.servedBy, 'frankfurter');
      assert.equal(hitsOf('/primary'), 4);

      const { rows } = await upstreams.db.query<{
        type: string;
        payload: { provider: string; reason: string };
      }>(`SELECT type, payload FROM sluice.events WHERE type LIKE 'breaker:%' ORDER BY id`);
      assert.deepEqual(
        rows.map((row) => [row.type, row.payload.provider]),
        [
          ['breaker:opened', 'frankfurter'],
          ['breaker:half-opened', 'frankfurter'],
          ['breaker:closed', 'frankfurter'],
        ],
      );
      assert.match(rows[0]?.payload.reason ?? '', /2 consecutive failures .*HTTP 503/);
      const stats = (await listSourceStats(upstreams.db)).find((entry) => entry.provider === 'frankfurter');
      assert.deepEqual(stats?.requests, { server_error: 2, short_circuited: 7, success: 2 });
      assert.equal(stats?.latenciesMs.length, 4);
      assert.match(stats?.lastFailureMessage ?? '', /HTTP 503/);
    });

    it('a source whose breaker is open fails with breaker_open and says how to reset the breaker', async () => {
      const down = route('/down', (response) =>
        response.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable'),
      );
      const source = http({
        url: down,
        name: 'meteo-down',
        retry: false,
        breaker: { threshold: 1, cooldownS: 60 },
      });
      const clock = settableClock(T0);
      const tripped = await read(readers[0], source, clock);
      assert.match((tripped.error as SourceError | undefined)?.message ?? '', /HTTP 503/);

      clock.set(5);
      const error = (await read(readers[1], source, clock)).error as SourceError | undefined;
      assert.equal(error?.code, 'breaker_open');
      assert.match(
        error?.message ?? '',
        /^source "meteo-down": circuit breaker open since 2026-03-02T10:00:00\.000Z after 1 consecutive failures; next probe after 2026-03-02T10:01:00\.000Z; reset it with `sluice sources reset meteo-down` \(or POST \/api\/sources\/meteo-down\/reset\)$/,
      );
      assert.equal(hitsOf('/down'), 1, 'the open breaker sent nothing');
    });

    it('honours Retry-After: no request before the deadline, in the same call or another process', async () => {
      const body429 = upstreamFixture('openmeteo_error_429_daily-limit.json');
      let sentAt = 0;
      const limited = route('/v1/forecast', (response, hit) => {
        if (hit > 1) return void response.writeHead(200, JSON_TYPE).end('{"latitude":50}');
        sentAt = Date.now();
        response.writeHead(429, { ...JSON_TYPE, 'retry-after': '1' }).end(body429);
      });
      const items = await collectItems(
        readers[0](http({ url: limited, name: 'open-meteo', retry: { baseDelayMs: 1 } }), testContext()),
      );
      assert.equal(items.length, 1);
      const [, retried] = upstreams.arrivals('/v1/forecast');
      assert.ok((retried ?? 0) - sentAt >= 1000, `retried ${(retried ?? 0) - sentAt} ms after the 429`);

      // Without retries the 503 fails the call, and the other process still waits for the deadline.
      const busy = route('/busy', (response, hit) => {
        if (hit > 1) return void response.writeHead(200, JSON_TYPE).end('{"ok":true}');
        sentAt = Date.now();
        response.writeHead(503, { 'retry-after': '1' }).end('down for maintenance');
      });
      const noRetry = http({ url: busy, name: 'busy', retry: false });
      const failed = await read(readers[0], noRetry);
      assert.match(String(failed.error), /HTTP 503: down for maintenance/);
      const next = await read(readers[1], noRetry);
      assert.equal(next.items.length, 1);
      const [, again] = upstreams.arrivals('/busy');
      assert.ok((again ?? 0) - sentAt >= 1000, `called again ${(again ?? 0) - sentAt} ms after the 503`);

      // A deadline beyond maxRetryAfterMs fails at once, without a request.
      const daily = route('/daily', (response) =>
        response.writeHead(429, { ...JSON_TYPE, 'retry-after': '3600' }).end(body429),
      );
      const impatient = http({ url: daily, name: 'daily', retry: { maxRetryAfterMs: 100 } });
      const refused = await read(readers[0], impatient);
      assert.match(
        String(refused.error),
        /HTTP 429: \{"error":true,"reason":"Daily API request limit exceeded/,
      );
      const blocked = await read(readers[1], impatient);
      assert.equal((blocked.error as SourceError).code, 'rate_limited');
      assert.match(String(blocked.error), /asked not to be called before .* \(Retry-After\)/);
      assert.equal(hitsOf('/daily'), 1);
    });

    it('fails on error bodies with HTTP 200 and on HTML instead of CSV, with the upstream’s reason', async () => {
      const twelve = route('/quote', (response, hit) =>
        response
          .writeHead(200, JSON_TYPE)
          .end(
            upstreamFixture(
              hit === 1 ? 'twelvedata_error_429_minute_credits.json' : 'twelvedata_quote_AAPL.json',
            ),
          ),
      );
      const statusCheck = {
        body: (doc: unknown) => {
          const { status, message } = doc as { status?: string; message?: string };
          return status === 'error' ? `Twelve Data: ${message}` : undefined;
        },
      };
      const twelvedata = http({ url: twelve, name: 'twelvedata', check: statusCheck });
      const credits = await read(readers[0], twelvedata);
      assert.equal((credits.error as SourceError).code, 'upstream_error_body');
      assert.match(
        String(credits.error),
        /the response is an error, not data: Twelve Data: You have run out of API credits for the current minute/,
      );
      assert.equal(hitsOf('/quote'), 1, 'an error body is not retried');
      const quote = await read(readers[0], twelvedata);
      assert.equal((quote.items[0] as { value: { close: string } } | undefined)?.value.close, '156.89999');

      const stooq = route('/q/l/', (response) =>
        response
          .writeHead(200, { 'content-type': 'text/csv' })
          .end(upstreamFixture('stooq_quote_unknown-symbol_ND.csv')),
      );
      const unknown = await read(
        readers[0],
        http({
          url: stooq,
          name: 'stooq',
          format: 'csv',
          check: {
            record: (row) =>
              (row as { Close?: string }).Close === 'N/D'
                ? `unknown symbol ${(row as { Symbol: string }).Symbol}`
                : undefined,
          },
        }),
      );
      assert.match(String(unknown.error), /not data: unknown symbol APPL\.US \(line 2\)/);

      const page = route('/q/d/l/', (response) =>
        response
          .writeHead(200, { 'content-type': 'text/plain' })
          .end(
            '<!DOCTYPE html><html><body>Get your apikey at https://stooq.com/q/d/?s=spy.us&get_apikey</body></html>',
          ),
      );
      const html = await read(readers[0], http({ url: page, name: 'stooq-history', format: 'csv' }));
      assert.match(String(html.error), /expected CSV but got an HTML page/);
      assert.equal(hitsOf('/q/d/l/'), 1);

      const stats = new Map((await listSourceStats(upstreams.db)).map((entry) => [entry.provider, entry]));
      assert.deepEqual(stats.get('twelvedata')?.requests, { bad_response: 1, success: 1 });
      assert.equal((await readBreaker(upstreams.db, 'stooq', T0)).breaker.consecutiveFailures, 1);
    });

    it('moves past a 404 or 400 without retrying and without counting it against the breaker', async () => {
      const missing = route('/v1/latest', (response) =>
        response.writeHead(404, JSON_TYPE).end(upstreamFixture('frankfurter_error_404_not-found.json')),
      );
      const misspelt = route('/v1/typo', (response) =>
        response.writeHead(400, JSON_TYPE).end(upstreamFixture('openmeteo_error_400_DOC-EXAMPLE.json')),
      );
      const good = route('/v1/good', (response) => response.writeHead(200, JSON_TYPE).end(FRANKFURTER));
      const chain = fallback(
        http({ url: missing, name: 'frankfurter-xbt', breaker: { threshold: 1 } }),
        http({ url: misspelt, name: 'open-meteo-typo', breaker: { threshold: 1 } }),
        http({ url: good, name: 'good' }),
      );
      const run = await read(readers[0], chain);
      assert.equal(run.servedBy, 'good');
      assert.match(run.providers[0]?.message ?? '', /HTTP 404: \{"message":"not found"\}/);
      assert.match(run.providers[1]?.message ?? '', /HTTP 400: .*invalid String value tempeture_2m/);
      assert.equal(hitsOf('/v1/latest'), 1);
      assert.equal(hitsOf('/v1/typo'), 1);
      for (const name of ['frankfurter-xbt', 'open-meteo-typo']) {
        assert.equal((await readBreaker(upstreams.db, name, T0)).breaker.state, 'closed', name);
      }
    });
  });
}

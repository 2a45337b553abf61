// Tests for the http source against a local server replaying recorded upstream responses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type FixtureServer,
  startFixtureServer,
  upstreamFixture,
} from '../../../test/support/fixture-server.ts';
import { SourceError } from '../../domain/errors.ts';
import { http, secret } from '../../domain/source-definition.ts';
import { readSource } from './read-source.ts';
import {
  collectItems,
  collectUntilError,
  recordingLogger,
  recordValues,
  testContext,
} from './source-test-kit.ts';

const CANARY = 'canary-S3cr3t/Key+42';

describe('http source', () => {
  let server: FixtureServer;

  before(async () => {
    server = await startFixtureServer({
      '/v1/latest': {
        headers: { 'content-type': 'application/json' },
        body: upstreamFixture('frankfurter_latest_base-EUR.json'),
      },
      '/v1/moved': { status: 301, headers: { location: '/v1/latest' } },
      '/v1/missing': {
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: upstreamFixture('frankfurter_error_404_not-found.json'),
      },
      '/busy': { status: 503, body: 'Service Unavailable' },
      '/limited': { status: 429, body: 'Too Many Requests' },
      '/q/d/l/': {
        headers: { 'content-type': 'text/plain' },
        body: upstreamFixture('stooq_daily_history_aapl.us_tail400.csv'),
      },
      '/q/csv': {
        headers: { 'content-type': 'text/csv' },
        body: upstreamFixture('stooq_daily_history_aapl.us_tail400.csv'),
      },
      '/eurofxref-daily.xml': {
        headers: { 'content-type': 'text/xml' },
        body: upstreamFixture('ecb_eurofxref-daily_2025-05-09.xml'),
      },
      '/login': {
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: '<!DOCTYPE html><html><body>Please get an API key</body></html>',
      },
      '/silent': () => {
        // Never answers: the whole-call timeout must end the request.
      },
      '/stalls': (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"data":[{"a":1},');
      },
      '/huge': { headers: { 'content-type': 'application/json' }, body: `[${'1,'.repeat(5000)}1]` },
      '/huge-chunked': (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write(`[${'1,'.repeat(3000)}`);
        response.end(`${'1,'.repeat(3000)}1]`);
      },
      '/echo-key': (request, response) => {
        const key = new URL(request.url ?? '/', 'http://x').searchParams.get('apikey');
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: `invalid api key ${key}` }));
      },
    });
  });

  after(async () => {
    await server.close();
    delete process.env.TEST_API_KEY;
  });

  it('reads a JSON document, rendering URL and query templates from the parameters', async () => {
    const source = http({ url: `${server.url}/v1/{{endpoint}}`, query: { base: '{{base}}', amount: '1' } });
    const items = await collectItems(
      readSource(source, testContext({ params: { endpoint: 'latest', base: 'EUR' } })),
    );
    assert.equal(items.length, 1);
    const value = recordValues(items)[0] as { base: string; rates: Record<string, number> };
    assert.equal(value.base, 'EUR');
    assert.equal(value.rates.USD, 1.1722);
    assert.equal(server.requests.at(-1)?.url, '/v1/latest?base=EUR&amount=1');
    assert.deepEqual(items[0]?.origin, {
      provider: source.name,
      url: `${server.url}/v1/latest?base=EUR&amount=1`,
    });
  });

  it('follows redirects', async () => {
    const items = await collectItems(
      readSource(http({ url: `${server.url}/v1/moved`, records: 'rates' }), testContext()),
    );
    assert.equal(recordValues(items).length, 1);
  });

  it('reads CSV by Content-Type, and by sniffing a text/plain body', async () => {
    for (const path of ['/q/csv', '/q/d/l/']) {
      const items = await collectItems(readSource(http({ url: `${server.url}${path}` }), testContext()));
      assert.equal(items.length, 400);
      assert.deepEqual(recordValues(items)[0], {
        Date: '2024-07-01',
        Open: '210.66',
        High: '216.044',
        Low: '210.49',
        Close: '215.286',
        Volume: '60813180',
      });
      assert.equal(items[0]?.origin.line, 2);
    }
  });

  it('reads XML with attributes as properties', async () => {
    const source = http({
      url: `${server.url}/eurofxref-daily.xml`,
      records: 'gesmes:Envelope.Cube.Cube.Cube',
    });
    const values = recordValues(await collectItems(readSource(source, testContext())));
    assert.equal(values.length, 30);
    const { $parent, ...rate } = values[0] as { $parent: { time: string } };
    assert.deepEqual(rate, { currency: 'USD', rate: '1.1252' });
    assert.equal($parent.time, '2025-05-09', 'the parent Cube gives each rate its date');
  });

  it('fails on 404 with a non-retryable error quoting the status and body', async () => {
    const { error } = await collectUntilError(
      readSource(http({ url: `${server.url}/v1/missing` }), testContext()),
    );
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'upstream_http_error');
    assert.equal(error.retryable, false);
    assert.equal(error.message, `${server.url}/v1/missing answered HTTP 404: {"message":"not found"}`);
  });

  it('marks 503 and 429 as retryable', async () => {
    for (const path of ['/busy', '/limited']) {
      const { error } = await collectUntilError(
        readSource(http({ url: `${server.url}${path}` }), testContext()),
      );
      assert.ok(error instanceof SourceError);
      assert.equal(error.code, 'upstream_http_error');
      assert.equal(error.retryable, true);
    }
  });

  it('refuses an HTML page', async () => {
    const { error } = await collectUntilError(
      readSource(http({ url: `${server.url}/login` }), testContext()),
    );
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'source_format_error');
    assert.match(error.message, /expected data but got an HTML page/);
  });

  it('times out a server that never answers, within about timeoutMs', async () => {
    const started = performance.now();
    const { error } = await collectUntilError(
      readSource(http({ url: `${server.url}/silent`, timeoutMs: 200 }), testContext()),
    );
    const elapsed = performance.now() - started;
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'timeout');
    assert.equal(error.retryable, true);
    assert.ok(elapsed >= 150 && elapsed < 2000, `took ${elapsed} ms`);
  });

  it('times out a body that stops arriving, after handing over the records before the stall', async () => {
    const started = performance.now();
    const { items, error } = await collectUntilError(
      readSource(http({ url: `${server.url}/stalls`, records: 'data', timeoutMs: 200 }), testContext()),
    );
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'timeout');
    assert.ok(performance.now() - started < 2000);
    assert.deepEqual(recordValues(items), [{ a: 1 }]);
  });

  it('refuses a body larger than maxBytes, declared or streamed', async () => {
    for (const path of ['/huge', '/huge-chunked']) {
      const { error } = await collectUntilError(
        readSource(http({ url: `${server.url}${path}`, maxBytes: 4096 }), testContext()),
      );
      assert.ok(error instanceof SourceError, `${path}: ${error}`);
      assert.equal(error.code, 'source_format_error');
      assert.match(error.message, /larger than maxBytes/);
    }
  });

  it('cancels when the run is cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const { error } = await collectUntilError(
      readSource(
        http({ url: `${server.url}/silent`, timeoutMs: 5000 }),
        testContext({ signal: controller.signal }),
      ),
    );
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'cancelled');
    assert.equal(error.retryable, false);
  });

  describe('secrets', () => {
    const source = (path: string) =>
      http({ url: `${server.url}${path}`, query: { base: 'EUR', apikey: secret('TEST_API_KEY') } });

    it('sends the secret but keeps it out of origins, errors and logs', async () => {
      process.env.TEST_API_KEY = CANARY;
      const logger = recordingLogger();
      const items = await collectItems(readSource(source('/v1/latest'), testContext({ logger })));
      const received = new URL(server.requests.at(-1)?.url ?? '', server.url);
      assert.equal(received.searchParams.get('apikey'), CANARY);
      assert.equal(items[0]?.origin.url, `${server.url}/v1/latest?base=EUR&apikey=[redacted]`);

      const echoed = await collectUntilError(readSource(source('/echo-key'), testContext({ logger })));
      assert.ok(echoed.error instanceof SourceError);
      assert.equal(
        echoed.error.message,
        `${server.url}/echo-key?base=EUR&apikey=[redacted] answered HTTP 401: {"message":"invalid api key [redacted]"}`,
      );

      const closed = await startFixtureServer({});
      await closed.close();
      const refused = await collectUntilError(
        readSource(
          http({ url: `${closed.url}/x`, query: { apikey: secret('TEST_API_KEY') } }),
          testContext({ logger }),
        ),
      );
      assert.ok(refused.error instanceof SourceError);
      assert.equal(refused.error.retryable, true);

      const everything = JSON.stringify({
        items: items.map((item) => item.origin),
        errors: [echoed.error, refused.error].map((error) => [error.message, String(error.cause ?? '')]),
        logs: logger.lines,
      });
      for (const form of [CANARY, encodeURIComponent(CANARY), 'S3cr3t'])
        assert.ok(!everything.includes(form), form);
    });

    it('names a missing environment variable', async () => {
      delete process.env.TEST_API_KEY;
      const { error } = await collectUntilError(readSource(source('/v1/latest'), testContext()));
      assert.ok(error instanceof SourceError);
      assert.match(error.message, /environment variable TEST_API_KEY is not set/);
    });
  });
});

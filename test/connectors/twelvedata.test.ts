// connectors.twelvedata on every recorded Twelve Data answer, replayed from 127.0.0.1: the requests it sends,
// the exact records, its HTTP-200 error bodies and 429 credits body failing with the reason, runs end to end.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { ensureDatasetTables } from '../../src/adapters/postgres/dataset-tables.ts';
import { createDatasetWriter } from '../../src/adapters/postgres/dataset-writer.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { createQuarantineStore } from '../../src/adapters/postgres/quarantine-store.ts';
import { createRunStore } from '../../src/adapters/postgres/run-store.ts';
import { readSource } from '../../src/adapters/sources/read-source.ts';
import { collectUntilError, recordValues, testContext } from '../../src/adapters/sources/source-test-kit.ts';
import { SourceError } from '../../src/domain/errors.ts';
import type { Transform } from '../../src/domain/pipeline-definition.ts';
import { defineConfig } from '../../src/domain/pipeline-definition.ts';
import type { HttpSourceDefinition } from '../../src/domain/source-definition.ts';
import { collectPipeline } from '../../src/engine/collect-pipeline.ts';
import type { Logger } from '../../src/engine/ports.ts';
import { ConfigError, connectors, type TwelveDataBar, type TwelveDataQuote } from '../../src/index.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';

const { twelvedata } = connectors;
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLogger };
const KEY = 'td-test-key';

/** `'<UTC hh:mm> open high low close volume'` → an AAPL 1min bar of 2023-08-24 (UTC worked out by Python's zoneinfo). */
function bar(row: string): TwelveDataBar {
  const [hhmm, open, high, low, close, volume] = row.split(' ') as [string, ...string[]];
  return {
    symbol: 'AAPL',
    interval: '1min',
    time: `2023-08-24T${hhmm}:00.000Z`,
    open: Number(open),
    high: Number(high),
    low: Number(low),
    close: Number(close),
    volume: Number(volume),
  };
}

// twelvedata_time_series_AAPL_1min.json oldest first, 10:40–11:09 in New York (EDT, UTC−4), typed out here.
const SERIES = [
  '14:40 178.16000 178.22060 178.03999 178.07001 175143',
  '14:41 178.09000 178.12000 178.05000 178.07001 104754',
  '14:42 178.06000 178.07001 177.81000 177.85001 293147',
  '14:43 177.85500 177.89999 177.69501 177.71001 184111',
  '14:44 177.71500 177.82001 177.68500 177.78889 208785',
  '14:45 177.79111 177.83000 177.67999 177.75000 130006',
  '14:46 177.73790 177.82001 177.71500 177.81500 101057',
  '14:47 177.82500 177.94501 177.81500 177.92010 120554',
  '14:48 177.92310 177.94501 177.88080 177.94501 97955',
  '14:49 177.94000 177.98351 177.84000 177.86000 141962',
  '14:50 177.86000 178.03999 177.84000 178.03999 103858',
  '14:51 178.03999 178.15500 178.03000 178.11760 143380',
  '14:52 178.10001 178.11990 177.99989 178.10001 105334',
  '14:53 178.09000 178.28000 178.07001 178.28000 127884',
  '14:54 178.27901 178.31990 178.19000 178.20770 105089',
  '14:55 178.20500 178.28900 178.19000 178.26500 60764',
  '14:56 178.27000 178.31010 178.25980 178.27499 75952',
  '14:57 178.26801 178.28500 178.18500 178.25900 130845',
  '14:58 178.14169 178.27000 178.10060 178.11501 97989',
  '14:59 178.11000 178.11000 177.88139 177.89000 104104',
  '15:00 177.91000 177.91000 177.64999 177.75999 170797',
  '15:01 177.75000 177.89999 177.69400 177.80499 127906',
  '15:02 177.80499 177.86501 177.74001 177.85899 62373',
  '15:03 177.85809 177.87660 177.78000 177.78000 65281',
  '15:04 177.78000 177.99001 177.75000 177.94000 95722',
  '15:05 177.93010 178.05960 177.86031 177.88000 143464',
  '15:06 177.87000 177.89090 177.66499 177.74001 119186',
  '15:07 177.73840 177.81000 177.69501 177.74500 57897',
  '15:08 177.75500 177.88499 177.73000 177.88000 143249',
  '15:09 177.91010 178.02000 177.91000 178.00121 293189',
].map(bar);

const QUOTE: TwelveDataQuote = {
  symbol: 'AAPL',
  exchange: 'NASDAQ',
  currency: 'USD',
  time: '2022-09-20T19:59:59.000Z',
  date: '2022-09-20',
  open: 153.39999,
  high: 158.08,
  low: 153.08,
  close: 156.89999,
  volume: 107547900,
  previous_close: 154.48,
  is_market_open: false,
};

const CREDITS_429 = upstreamFixture('twelvedata_error_429_minute_credits.json');
// Not recorded: the shape of Twelve Data's other errors (docs), sent with HTTP 200.
const BAD_KEY =
  '{"code":401,"message":"**apikey** parameter is incorrect or not specified. You can get your free API key instantly following this link: https://twelvedata.com/pricing","status":"error"}';

// Awaited before any suite is declared: a top-level await between suites lets the root's after()
// (closing the server) run once the first suite is done, before the later ones are declared.
const backends = await testBackends();
let server: FixtureServer;

before(async () => {
  server = await startFixtureServer({
    '/quote': { headers: JSON_TYPE, body: upstreamFixture('twelvedata_quote_AAPL.json') },
    '/time_series': { headers: JSON_TYPE, body: upstreamFixture('twelvedata_time_series_AAPL_1min.json') },
    // Twelve Data sends its errors with HTTP 200; the 429 body as it comes past the minute's credits.
    '/credits/quote': { headers: JSON_TYPE, body: CREDITS_429 },
    '/http-429/quote': { status: 429, headers: JSON_TYPE, body: CREDITS_429 },
    '/badkey/time_series': { headers: JSON_TYPE, body: BAD_KEY },
    '/empty/time_series': {
      headers: JSON_TYPE,
      body: '{"meta":{"symbol":"AAPL","interval":"1min","exchange_timezone":"America/New_York"},"values":[],"status":"ok"}',
    },
  });
});
after(() => server.close());
beforeEach(() => {
  process.env.TWELVEDATA_API_KEY = KEY;
});
afterEach(() => {
  delete process.env.TWELVEDATA_API_KEY;
});

async function collect(source: HttpSourceDefinition, transform: Transform<unknown, unknown>) {
  const { items, error } = await collectUntilError(readSource(source, testContext()));
  const context = { origin: { provider: source.name }, params: {} };
  const records = recordValues(items).flatMap((document) => {
    const out = transform(document, context);
    return out === null || out === undefined ? [] : Array.isArray(out) ? out : [out];
  });
  return { records, error, sent: server.requests.at(-1)?.url };
}

describe('connectors.twelvedata', () => {
  it('quote: twelvedata_quote_AAPL.json, decimal strings as numbers, timestamp as UTC', async () => {
    const { records, error, sent } = await collect(
      twelvedata.quote.source({ symbol: 'AAPL', baseUrl: server.url }),
      twelvedata.quote.transform,
    );
    assert.equal(error, undefined);
    assert.equal(sent, `/quote?symbol=AAPL&apikey=${KEY}`);
    assert.deepEqual(records, [QUOTE]);
    twelvedata.quote.schema.parse(records[0]);
  });

  it('time series 1min: the 30 bars of twelvedata_time_series_AAPL_1min.json, oldest first, New York time as UTC', async () => {
    const { records, error, sent } = await collect(
      twelvedata.timeSeries.source({ symbol: 'AAPL', baseUrl: server.url }),
      twelvedata.timeSeries.transform,
    );
    assert.equal(error, undefined);
    assert.equal(sent, `/time_series?symbol=AAPL&interval=1min&apikey=${KEY}`);
    assert.deepEqual(records, SERIES);
    for (const record of records) twelvedata.timeSeries.schema.parse(record);
  });

  it('an empty series gives no records and no error', async () => {
    const { records, error } = await collect(
      twelvedata.timeSeries.source({ symbol: 'AAPL', baseUrl: `${server.url}/empty`, outputsize: 5 }),
      twelvedata.timeSeries.transform,
    );
    assert.equal(error, undefined);
    assert.equal(
      server.requests.at(-1)?.url,
      `/empty/time_series?symbol=AAPL&interval=1min&outputsize=5&apikey=${KEY}`,
    );
    assert.deepEqual(records, []);
  });

  it('the 429 credits body of twelvedata_error_429_minute_credits.json with HTTP 200 fails with its code and message', async () => {
    const { records, error } = await collect(
      twelvedata.quote.source({ symbol: 'AAPL', baseUrl: `${server.url}/credits` }),
      twelvedata.quote.transform,
    );
    assert.deepEqual(records, []);
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'upstream_error_body');
    assert.match(
      error.message,
      /not data: 429: You have run out of API credits for the current minute\. 18 API credits were used, with the current limit being 8\./,
    );
  });

  it('the same body with HTTP 429 is a retryable failure quoting it', async () => {
    const { error } = await collect(
      twelvedata.quote.source({ symbol: 'AAPL', baseUrl: `${server.url}/http-429` }),
      twelvedata.quote.transform,
    );
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'upstream_http_error');
    assert.equal(error.status, 429);
    assert.equal(error.retryable, true);
    assert.match(error.message, /answered HTTP 429: .*run out of API credits for the current minute/);
  });

  it('a bad key (status "error", code 401, HTTP 200) fails with the reason, and the key never shows', async () => {
    const { error } = await collect(
      twelvedata.timeSeries.source({ symbol: 'AAPL', baseUrl: `${server.url}/badkey` }),
      twelvedata.timeSeries.transform,
    );
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'upstream_error_body');
    assert.match(
      error.message,
      /apikey=\[redacted\]: the response is an error, not data: 401: \*\*apikey\*\* parameter is incorrect/,
    );
    assert.equal(error.message.includes(KEY), false);
  });

  it("declares the free plan's 8 requests a minute and refuses what it cannot send", () => {
    const source = twelvedata.timeSeries.source({ symbol: 'AAPL' });
    assert.equal(source.urlSource, 'https://api.twelvedata.com/time_series');
    assert.equal(source.name, 'twelvedata');
    assert.deepEqual(source.resilience, {
      retry: { attempts: 2, baseDelayMs: 1_000, maxDelayMs: 5_000 },
      rateLimit: { requests: 8, per: '1m' },
      concurrency: undefined,
      breaker: { threshold: 3, cooldownS: 120 },
    });
    assert.deepEqual(
      source.query.find(([name]) => name === 'apikey'),
      ['apikey', { kind: 'secret', env: 'TWELVEDATA_API_KEY' }],
    );
    assert.throws(() => twelvedata.quote.source({ symbol: 'AAPL MSFT' }), ConfigError);
    assert.throws(
      () => twelvedata.timeSeries.source({ symbol: 'AAPL', interval: '2min' as '1min' }),
      /interval "2min"/,
    );
    assert.throws(() => twelvedata.timeSeries.source({ symbol: 'AAPL', outputsize: 0 }), /outputsize/);
  });

  it('a series without meta.exchange_timezone fails the transform rather than guess a zone', () => {
    assert.throws(
      () =>
        twelvedata.timeSeries.transform(
          { meta: { symbol: 'AAPL' }, values: [] },
          { origin: { provider: 'twelvedata' }, params: {} },
        ),
      /no meta\.exchange_timezone/,
    );
  });
});

for (const backend of backends) {
  describe(`connectors.twelvedata end to end on ${backend.kind}`, { skip: backend.skip }, () => {
    it('stores the 30 bars in twelvedata_bars and the quote in twelvedata_quotes', async () => {
      const { db, close } = await backend.open();
      try {
        await migrate(db);
        const datasets = [twelvedata.timeSeries.dataset, twelvedata.quote.dataset];
        await db.transaction((tx) => ensureDatasetTables(tx, datasets));
        const config = defineConfig({
          datasets,
          pipelines: [
            twelvedata.timeSeries.pipeline('aapl_minutes', { symbol: 'AAPL', baseUrl: server.url }),
            twelvedata.quote.pipeline('aapl_quote', { symbol: 'AAPL', baseUrl: server.url }),
          ],
        });
        const ports = {
          readSource,
          writerFor: (dataset: (typeof datasets)[number]) => createDatasetWriter(db, 'public', dataset),
          runs: createRunStore(db),
          quarantine: createQuarantineStore(db),
          clock: { now: () => new Date() },
          logger: quietLogger,
          newRunId: randomUUID,
        };
        const series = await collectPipeline(ports, config.pipelines.get('aapl_minutes')!, {
          trigger: 'test',
          baseDir: '.',
        });
        assert.equal(series.status, 'succeeded', JSON.stringify(series.errors));
        assert.equal(series.counts.inserted, 30);
        const { rows } = await db.query<Record<string, unknown>>(
          `SELECT to_char(time AT TIME ZONE 'UTC', 'HH24:MI') AS hhmm, close, _provider
             FROM public.twelvedata_bars ORDER BY time`,
        );
        assert.deepEqual(
          rows.map((row) => `${row.hhmm} ${Number(row.close)} ${row._provider}`),
          SERIES.map((expected) => `${expected.time.slice(11, 16)} ${expected.close} twelvedata`),
        );
        const quote = await collectPipeline(ports, config.pipelines.get('aapl_quote')!, {
          trigger: 'test',
          baseDir: '.',
        });
        assert.equal(quote.status, 'succeeded', JSON.stringify(quote.errors));
        const { rows: quotes } = await db.query<Record<string, unknown>>(
          `SELECT symbol, to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS time, date::text AS date, close
             FROM public.twelvedata_quotes`,
        );
        assert.deepEqual(
          quotes.map((row) => ({ ...row, close: Number(row.close) })),
          [{ symbol: 'AAPL', time: '2022-09-20T19:59:59', date: '2022-09-20', close: 156.89999 }],
        );
      } finally {
        await close();
      }
    });
  });
}

// connectors.stooq on every recorded Stooq answer, replayed from 127.0.0.1: the requests it sends, the exact
// records, N/D rows refused into the quarantine with their line, its plain-text errors, runs end to end.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ensureDatasetTables } from '../../src/adapters/postgres/dataset-tables.ts';
import { createDatasetWriter } from '../../src/adapters/postgres/dataset-writer.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { createQuarantineStore } from '../../src/adapters/postgres/quarantine-store.ts';
import { createRunStore } from '../../src/adapters/postgres/run-store.ts';
import { readSource } from '../../src/adapters/sources/read-source.ts';
import { collectUntilError, testContext } from '../../src/adapters/sources/source-test-kit.ts';
import { SourceError } from '../../src/domain/errors.ts';
import type { Transform } from '../../src/domain/pipeline-definition.ts';
import { defineConfig } from '../../src/domain/pipeline-definition.ts';
import type { HttpSourceDefinition } from '../../src/domain/source-definition.ts';
import { collectPipeline } from '../../src/engine/collect-pipeline.ts';
import type { Logger } from '../../src/engine/ports.ts';
import { ConfigError, connectors, type StooqDaily, secret } from '../../src/index.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';

const { stooq } = connectors;
const CSV_TYPE = { 'content-type': 'text/csv' };
const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLogger };
const HISTORY = upstreamFixture('stooq_daily_history_aapl.us_tail400.csv');

const daily = (line: string): StooqDaily => {
  const [date, open, high, low, close, volume] = line.split(',') as [string, ...string[]];
  return {
    symbol: 'AAPL.US',
    date,
    open: Number(open),
    high: Number(high),
    low: Number(low),
    close: Number(close),
    volume: Number(volume),
  };
};

// Awaited before any suite is declared: a top-level await between suites lets the root's after()
// (closing the server) run once the first suite is done, before the later ones are declared.
const backends = await testBackends();
let server: FixtureServer;

before(async () => {
  server = await startFixtureServer({
    '/q/d/l/': (request, response) => {
      const symbol = new URL(request.url ?? '/', 'http://fixture').searchParams.get('s');
      // An unknown symbol's history is the text `No data` (pandas-datareader #717), not recorded here.
      response.writeHead(200, CSV_TYPE).end(symbol === 'aapl.us' ? HISTORY : 'No data');
    },
    '/q/l/': (request, response) => {
      const symbol = new URL(request.url ?? '/', 'http://fixture').searchParams.get('s');
      const file =
        symbol === 'aapl.us' ? 'stooq_quote_aapl.us_sd2t2ohlcv.csv' : 'stooq_quote_unknown-symbol_ND.csv';
      response.writeHead(200, CSV_TYPE).end(upstreamFixture(file));
    },
    // Not recorded: what Stooq answers past its daily limit, and without an API key since March 2026.
    '/limit/q/l/': { headers: CSV_TYPE, body: 'Exceeded the daily hits limit' },
    '/nokey/q/d/l/': {
      headers: { 'content-type': 'text/html' },
      body: '<!DOCTYPE html><html><body><a href="https://stooq.com/q/d/?s=spy.us&get_apikey">get an API key</a></body></html>',
    },
  });
});
after(() => server.close());

async function collect(source: HttpSourceDefinition, transform: Transform<unknown, unknown>) {
  const { items, error } = await collectUntilError(readSource(source, testContext()));
  const records = items.flatMap((item) => {
    if (item.kind !== 'record') return [];
    const out = transform(item.value, { origin: item.origin, params: {} });
    return out === null || out === undefined ? [] : Array.isArray(out) ? out : [out];
  });
  return { items, records, error, sent: server.requests.at(-1)?.url };
}

describe('connectors.stooq', () => {
  it('daily history: all 400 rows of stooq_daily_history_aapl.us_tail400.csv, oldest first', async () => {
    const { records, error, sent } = await collect(
      stooq.history.source({ symbol: 'AAPL.US', baseUrl: server.url }),
      stooq.history.transform('aapl.us'),
    );
    assert.equal(error, undefined);
    assert.equal(sent, '/q/d/l/?s=aapl.us&i=d');
    assert.equal(records.length, 400);
    assert.deepEqual(records.slice(0, 2), [
      {
        symbol: 'AAPL.US',
        date: '2024-07-01',
        open: 210.66,
        high: 216.044,
        low: 210.49,
        close: 215.286,
        volume: 60813180,
      },
      {
        symbol: 'AAPL.US',
        date: '2024-07-02',
        open: 214.692,
        high: 218.893,
        low: 213.648,
        close: 218.783,
        volume: 58440422,
      },
    ]);
    assert.deepEqual(records.at(-1), {
      symbol: 'AAPL.US',
      date: '2026-02-03',
      open: 269.2,
      high: 271.875,
      low: 267.61,
      close: 269.48,
      volume: 64394655,
    });
    // Every other row against its line split apart here, a parser that shares nothing with csv-parse.
    const lines = HISTORY.toString('utf8').trim().split('\n').slice(1);
    assert.deepEqual(records, lines.map(daily));
    for (const record of records) stooq.history.schema.parse(record);
  });

  it('a date range and an API key go as d1, d2 and apikey', async () => {
    process.env.STOOQ_TEST_KEY = 'k-123';
    try {
      const { sent } = await collect(
        stooq.history.source({
          symbol: 'aapl.us',
          from: '2024-07-01',
          to: '2024-07-31',
          apiKey: secret('STOOQ_TEST_KEY'),
          baseUrl: server.url,
        }),
        stooq.history.transform('aapl.us'),
      );
      assert.equal(sent, '/q/d/l/?s=aapl.us&i=d&d1=20240701&d2=20240731&apikey=k-123');
    } finally {
      delete process.env.STOOQ_TEST_KEY;
    }
  });

  it('a quote: stooq_quote_aapl.us_sd2t2ohlcv.csv, its Warsaw time as UTC (22:00:03 CET is 21:00:03Z)', async () => {
    const { records, error, sent } = await collect(
      stooq.quote.source({ symbol: 'aapl.us', baseUrl: server.url }),
      stooq.quote.transform,
    );
    assert.equal(error, undefined);
    assert.equal(sent, '/q/l/?s=aapl.us&f=sd2t2ohlcv&h&e=csv');
    assert.deepEqual(records, [
      {
        symbol: 'AAPL.US',
        time: '2022-12-09T21:00:03.000Z',
        open: 142.34,
        high: 145.57,
        low: 140.9,
        close: 142.16,
        volume: 76097011,
      },
    ]);
    stooq.quote.schema.parse(records[0]);
  });

  it('an unknown symbol: the row of N/D (stooq_quote_unknown-symbol_ND.csv) is refused by the schema, never 0 or null', async () => {
    const { items, records, error } = await collect(
      stooq.quote.source({ symbol: 'appl.us', baseUrl: server.url }),
      stooq.quote.transform,
    );
    assert.equal(error, undefined);
    assert.equal(items[0]?.origin.line, 2);
    const [record] = records as Array<Record<string, unknown>>;
    assert.equal(record?.time, 'N/D N/D');
    for (const field of ['open', 'high', 'low', 'close', 'volume'])
      assert.ok(Number.isNaN(record?.[field]), field);
    const parsed = stooq.quote.schema.safeParse(record);
    assert.equal(parsed.success, false);
    assert.deepEqual(
      parsed.error?.issues.map((issue) => issue.path[0]),
      ['time', 'open', 'high', 'low', 'close', 'volume'],
    );
  });

  it("noData: 'fail' fails the call on the N/D row, for a fallback chain to move on", async () => {
    const { records, error } = await collect(
      stooq.quote.source({ symbol: 'appl.us', baseUrl: server.url, noData: 'fail' }),
      stooq.quote.transform,
    );
    assert.deepEqual(records, []);
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'upstream_error_body');
    assert.match(error.message, /not data: N\/D for APPL\.US: an unknown symbol \(line 2\)$/);
  });

  it('plain-text errors fail the call with their text: No data, the daily hits limit', async () => {
    const none = await collect(
      stooq.history.source({ symbol: 'appl.us', baseUrl: server.url }),
      stooq.history.transform('appl.us'),
    );
    assert.ok(none.error instanceof SourceError);
    assert.equal(none.error.code, 'upstream_error_body');
    assert.match(none.error.message, /not data: No data \(an unknown symbol, or no bars in the range\)$/);
    const limit = await collect(
      stooq.quote.source({ symbol: 'aapl.us', baseUrl: `${server.url}/limit` }),
      stooq.quote.transform,
    );
    assert.ok(limit.error instanceof SourceError);
    assert.match(limit.error.message, /not data: Exceeded the daily hits limit$/);
  });

  it('the HTML page Stooq sends without an API key fails as a format error', async () => {
    const { error } = await collect(
      stooq.history.source({ symbol: 'aapl.us', baseUrl: `${server.url}/nokey` }),
      stooq.history.transform('aapl.us'),
    );
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'source_format_error');
    assert.match(error.message, /expected CSV but got an HTML page/);
  });

  it('declares its policies and refuses what it cannot send', () => {
    const source = stooq.quote.source({ symbol: 'aapl.us' });
    assert.equal(source.urlSource, 'https://stooq.com/q/l/?s=aapl.us&f=sd2t2ohlcv&h&e=csv');
    assert.equal(source.name, 'stooq');
    assert.equal(source.format, 'csv');
    assert.equal(source.timeoutMs, 20_000);
    assert.deepEqual(source.resilience, {
      retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
      rateLimit: { requests: 1, per: '1s' },
      concurrency: undefined,
      breaker: { threshold: 5, cooldownS: 300 },
    });
    assert.throws(() => stooq.quote.source({ symbol: 'aapl us' }), ConfigError);
    assert.throws(
      () => stooq.history.source({ symbol: 'aapl.us', from: '2024/07/01' }),
      /from "2024\/07\/01"/,
    );
    assert.throws(() => stooq.quote.source({ symbol: 'aapl.us', noData: 'zero' as 'fail' }), /noData "zero"/);
  });
});

for (const backend of backends) {
  describe(`connectors.stooq end to end on ${backend.kind}`, { skip: backend.skip }, () => {
    it('stores 400 daily bars; the N/D quote goes to the quarantine with its raw row and line, and no row is stored', async () => {
      const { db, close } = await backend.open();
      try {
        await migrate(db);
        await db.transaction((tx) => ensureDatasetTables(tx, [stooq.history.dataset, stooq.quote.dataset]));
        const config = defineConfig({
          datasets: [stooq.history.dataset, stooq.quote.dataset],
          pipelines: [
            stooq.history.pipeline('aapl_daily', { symbol: 'aapl.us', baseUrl: server.url }),
            stooq.quote.pipeline('appl_quote', { symbol: 'appl.us', baseUrl: server.url }),
          ],
        });
        const ports = {
          readSource,
          writerFor: (dataset: typeof stooq.history.dataset | typeof stooq.quote.dataset) =>
            createDatasetWriter(db, 'public', dataset),
          runs: createRunStore(db),
          quarantine: createQuarantineStore(db),
          clock: { now: () => new Date() },
          logger: quietLogger,
          newRunId: randomUUID,
        };
        const history = await collectPipeline(ports, config.pipelines.get('aapl_daily')!, {
          trigger: 'test',
          baseDir: '.',
        });
        assert.equal(history.status, 'succeeded', JSON.stringify(history.errors));
        assert.equal(history.counts.inserted, 400);
        const { rows: last } = await db.query<Record<string, unknown>>(
          `SELECT symbol, date::text AS date, close, volume, _provider FROM public.stooq_daily ORDER BY date DESC LIMIT 1`,
        );
        assert.deepEqual(
          last.map((row) => ({ ...row, close: Number(row.close), volume: Number(row.volume) })),
          [{ symbol: 'AAPL.US', date: '2026-02-03', close: 269.48, volume: 64394655, _provider: 'stooq' }],
        );

        const quote = await collectPipeline(ports, config.pipelines.get('appl_quote')!, {
          trigger: 'test',
          baseDir: '.',
        });
        assert.equal(quote.status, 'partial');
        assert.deepEqual([quote.counts.rejected, quote.counts.inserted], [1, 0]);
        const { rows: stored } = await db.query('SELECT * FROM public.stooq_quotes');
        assert.deepEqual(stored, []);
        const { rows: quarantined } = await db.query<{
          raw: unknown;
          origin: { line?: number; provider?: string };
        }>('SELECT raw, origin FROM sluice.quarantine WHERE run_id = $1', [quote.runId]);
        assert.equal(quarantined.length, 1);
        assert.deepEqual(quarantined[0]?.raw, {
          Symbol: 'APPL.US',
          Date: 'N/D',
          Time: 'N/D',
          Open: 'N/D',
          High: 'N/D',
          Low: 'N/D',
          Close: 'N/D',
          Volume: 'N/D',
        });
        assert.equal(quarantined[0]?.origin.line, 2);
        assert.equal(quarantined[0]?.origin.provider, 'stooq');
      } finally {
        await close();
      }
    });
  });
}

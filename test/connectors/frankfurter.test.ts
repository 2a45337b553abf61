// connectors.frankfurter on every recorded Frankfurter response, replayed from 127.0.0.1: the request it
// sends, the exact records it yields, its errors, and one run end to end into fx_rates on each backend.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ensureDatasetTables } from '../../src/adapters/postgres/dataset-tables.ts';
import { createDatasetWriter } from '../../src/adapters/postgres/dataset-writer.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { createQuarantineStore } from '../../src/adapters/postgres/quarantine-store.ts';
import { createRunStore } from '../../src/adapters/postgres/run-store.ts';
import { readSource } from '../../src/adapters/sources/read-source.ts';
import { collectUntilError, recordValues, testContext } from '../../src/adapters/sources/source-test-kit.ts';
import { SourceError } from '../../src/domain/errors.ts';
import { defineConfig } from '../../src/domain/pipeline-definition.ts';
import { collectPipeline } from '../../src/engine/collect-pipeline.ts';
import type { Logger } from '../../src/engine/ports.ts';
import { ConfigError, connectors, type FrankfurterOptions, type FrankfurterRate } from '../../src/index.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';

const { frankfurter } = connectors;
const JSON_TYPE = { 'content-type': 'application/json' };
const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLogger };

/** `"AUD 1.7704, BGN 1.9558"` → records of that day and base, in that order. */
function rates(date: string, base: string, table: string): FrankfurterRate[] {
  return table.split(', ').map((cell) => {
    const [quote, rate] = cell.split(' ') as [string, string];
    return { date, base, quote, rate: Number(rate) };
  });
}

// The values as they stand in the fixture files, typed out here rather than read from them.
const LATEST_EUR = rates(
  '2025-12-17',
  'EUR',
  'AUD 1.7704, BGN 1.9558, BRL 6.4498, CAD 1.6165, CHF 0.9332, CNY 8.2569, CZK 24.346, DKK 7.4718, ' +
    'GBP 0.8785, HKD 9.1207, HUF 387.15, IDR 19566.25, ILS 3.7786, INR 105.9275, ISK 148, JPY 182.38, ' +
    'KRW 1734.13, MXN 21.0827, MYR 4.7925, NOK 11.9858, NZD 2.0294, PHP 68.772, PLN 4.21, RON 5.0921, ' +
    'SEK 10.936, SGD 1.5142, THB 36.942, TRY 50.0808, USD 1.1722, ZAR 19.6148',
);
const HISTORICAL_EUR = rates(
  '2025-06-13',
  'EUR',
  'AUD 1.7777, BGN 1.9558, BRL 6.4007, CAD 1.569, CHF 0.9359, CNY 8.2682, CZK 24.831, DKK 7.4586, ' +
    'GBP 0.8505, HKD 9.0362, HUF 403.43, IDR 18783.67, ILS 4.1422, INR 99.11, ISK 144.2, JPY 165.94, ' +
    'KRW 1577.42, MXN 21.8807, MYR 4.8874, NOK 11.4435, NZD 1.9167, PHP 64.706, PLN 4.2745, RON 5.033, ' +
    'SEK 10.9635, SGD 1.4777, THB 37.351, TRY 45.3974, USD 1.1512, ZAR 20.736',
);

/** /v1/latest answers by `base`, as the recordings were made (MockClient.php of phpeso/frankfurter-service). */
function latest(request: IncomingMessage, response: ServerResponse): void {
  const base = new URL(request.url ?? '/', 'http://fixture').searchParams.get('base');
  const file =
    base === 'EUR'
      ? 'frankfurter_latest_base-EUR.json'
      : base === 'USD'
        ? 'frankfurter_latest_base-USD_symbols-EUR,USD.json'
        : 'frankfurter_error_404_not-found.json';
  response.writeHead(file.includes('404') ? 404 : 200, JSON_TYPE).end(upstreamFixture(file));
}

let server: FixtureServer;

// Awaited before any suite is declared: a top-level await after them lets the root after() close
// the server while the runner still waits for the end-to-end suites.
const backends = await testBackends();

before(async () => {
  server = await startFixtureServer({
    '/v1/latest': latest,
    '/v1/2025-06-13': {
      headers: JSON_TYPE,
      body: upstreamFixture('frankfurter_historical_2025-06-13_base-EUR.json'),
    },
    // Frankfurter's error body behind something that answers 200 (a proxy, a cache): the check still refuses it.
    '/as-200/v1/latest': {
      headers: JSON_TYPE,
      body: upstreamFixture('frankfurter_error_404_not-found.json'),
    },
    // Not recorded: the USD fixture asked with ?amount=10, rates ten times as large.
    '/amount-10/v1/latest': {
      headers: JSON_TYPE,
      body: '{"amount":10.0,"base":"USD","date":"2025-12-17","rates":{"EUR":8.531}}',
    },
    // Not recorded: a range in the shape the fixtures README quotes, days out of order on purpose.
    '/v1/2024-01-01..2024-01-05': {
      headers: JSON_TYPE,
      body:
        '{"amount":1.0,"base":"USD","start_date":"2023-12-29","end_date":"2024-01-05",' +
        '"rates":{"2024-01-05":{"CAD":1.3364},"2023-12-29":{"CAD":1.3251},"2024-01-02":{"CAD":1.3316}}}',
    },
  });
});
after(() => server.close());

/** Reads the source once (no shared state) and transforms what it yields, as a run would. */
async function collect(options: FrankfurterOptions, prefix = '') {
  const source = frankfurter.source({ baseUrl: `${server.url}${prefix}/v1`, ...options });
  const { items, error } = await collectUntilError(readSource(source, testContext()));
  const context = { origin: { provider: source.name }, params: {} };
  const records = recordValues(items).flatMap((document) => {
    const out = frankfurter.transform(document, context);
    return out === null || out === undefined ? [] : Array.isArray(out) ? out : [out];
  });
  return { records, error, sent: server.requests.at(-1)?.url };
}

describe('connectors.frankfurter', () => {
  it('latest, base EUR: every currency of frankfurter_latest_base-EUR.json, valid for fx_rates', async () => {
    const { records, error, sent } = await collect({});
    assert.equal(error, undefined);
    assert.equal(sent, '/v1/latest?base=EUR');
    assert.deepEqual(records, LATEST_EUR);
    for (const record of records) frankfurter.schema.parse(record);
  });

  it('a historical day: frankfurter_historical_2025-06-13_base-EUR.json', async () => {
    const { records, error, sent } = await collect({ date: '2025-06-13' });
    assert.equal(error, undefined);
    assert.equal(sent, '/v1/2025-06-13?base=EUR');
    assert.deepEqual(records, HISTORICAL_EUR);
  });

  it('base USD with symbols EUR,USD: only EUR comes back, the base is left out of rates', async () => {
    const { records, error, sent } = await collect({ base: 'USD', symbols: ['EUR', 'USD'] });
    assert.equal(error, undefined);
    assert.equal(sent, '/v1/latest?base=USD&symbols=EUR%2CUSD');
    assert.deepEqual(records, [{ date: '2025-12-17', base: 'USD', quote: 'EUR', rate: 0.8531 }]);
  });

  it('divides by amount, as a double: 8.531 for 10 USD is 0.8531000000000001 per dollar', async () => {
    const { records } = await collect({ base: 'USD' }, '/amount-10');
    assert.deepEqual(records, [{ date: '2025-12-17', base: 'USD', quote: 'EUR', rate: 0.8531000000000001 }]);
  });

  it('a range gives one record per day and currency, in date order', async () => {
    const { records, sent } = await collect({
      date: '2024-01-01..2024-01-05',
      base: 'USD',
      symbols: ['CAD'],
    });
    assert.equal(sent, '/v1/2024-01-01..2024-01-05?base=USD&symbols=CAD');
    assert.deepEqual(records, [
      { date: '2023-12-29', base: 'USD', quote: 'CAD', rate: 1.3251 },
      { date: '2024-01-02', base: 'USD', quote: 'CAD', rate: 1.3316 },
      { date: '2024-01-05', base: 'USD', quote: 'CAD', rate: 1.3364 },
    ]);
  });

  it('an unknown currency: the 404 of frankfurter_error_404_not-found.json fails the call, not retried', async () => {
    const { records, error } = await collect({ base: 'XBT' }, '');
    assert.deepEqual(records, []);
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'upstream_http_error');
    assert.equal(error.status, 404);
    assert.equal(error.retryable, false);
    assert.match(error.message, /answered HTTP 404: \{"message":"not found"\}$/);
  });

  it('the same error body with HTTP 200 is refused by the check with its message', async () => {
    const { records, error } = await collect({}, '/as-200');
    assert.deepEqual(records, []);
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'upstream_error_body');
    assert.match(error.message, /the response is an error, not data: not found$/);
  });

  it('declares its policies and refuses what it cannot send', () => {
    const source = frankfurter.source();
    assert.equal(source.urlSource, 'https://api.frankfurter.dev/v1/latest');
    assert.equal(source.name, 'frankfurter');
    assert.equal(source.timeoutMs, 10_000);
    assert.deepEqual(source.resilience, {
      retry: { attempts: 3, baseDelayMs: 500, maxDelayMs: 5_000 },
      rateLimit: { requests: 5, per: '1s' },
      concurrency: undefined,
      breaker: { threshold: 5, cooldownS: 60 },
    });
    assert.throws(() => frankfurter.source({ base: 'eur' }), ConfigError);
    assert.throws(
      () => frankfurter.source({ symbols: ['USD', 'DOLLAR'] }),
      /"DOLLAR" must be three capital letters/,
    );
    assert.throws(() => frankfurter.source({ date: 'yesterday' }), /date "yesterday" must be/);
    assert.equal(
      frankfurter
        .source({ date: '{{start_date}}..{{end_date}}' })
        .urlSource.endsWith('/v1/{{start_date}}..{{end_date}}'),
      true,
    );
  });
});

for (const backend of backends) {
  describe(`connectors.frankfurter end to end on ${backend.kind}`, { skip: backend.skip }, () => {
    it('one run stores the historical day in fx_rates and a second changes nothing', async () => {
      const { db, close } = await backend.open();
      try {
        await migrate(db);
        await db.transaction((tx) => ensureDatasetTables(tx, [frankfurter.dataset]));
        const config = defineConfig({
          datasets: [frankfurter.dataset],
          pipelines: [frankfurter.pipeline('eur_rates', { date: '2025-06-13', baseUrl: `${server.url}/v1` })],
        });
        const ports = {
          readSource,
          writerFor: () => createDatasetWriter(db, 'public', frankfurter.dataset),
          runs: createRunStore(db),
          quarantine: createQuarantineStore(db),
          clock: { now: () => new Date() },
          logger: quietLogger,
          newRunId: randomUUID,
        };
        const pipeline = config.pipelines.get('eur_rates')!;
        const first = await collectPipeline(ports, pipeline, { trigger: 'test', baseDir: '.' });
        assert.equal(first.status, 'succeeded', JSON.stringify(first.errors));
        assert.equal(first.counts.inserted, 30);
        const { rows } = await db.query<FrankfurterRate & { _provider: string }>(
          'SELECT date::text AS date, base, quote, rate, _provider FROM public.fx_rates ORDER BY quote',
        );
        assert.deepEqual(
          rows.map(({ _provider, ...row }) => ({ ...row, rate: Number(row.rate) })),
          HISTORICAL_EUR,
        );
        assert.ok(rows.every((row) => row._provider === 'frankfurter'));
        const second = await collectPipeline(ports, pipeline, { trigger: 'test', baseDir: '.' });
        assert.deepEqual(
          [second.counts.inserted, second.counts.updated, second.counts.unchanged],
          [0, 0, 30],
        );
      } finally {
        await close();
      }
    });
  });
}

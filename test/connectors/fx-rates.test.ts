// connectors.fxRates on the recorded ECB, ExchangeRate-API and Frankfurter answers, replayed from
// 127.0.0.1: who serves when the ones before fail, the cross rates through EUR, one run end to end.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ensureDatasetTables } from '../../src/adapters/postgres/dataset-tables.ts';
import { createDatasetWriter } from '../../src/adapters/postgres/dataset-writer.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { createQuarantineStore } from '../../src/adapters/postgres/quarantine-store.ts';
import { createRunStore } from '../../src/adapters/postgres/run-store.ts';
import { createSharedProviderStore } from '../../src/adapters/postgres/shared-provider-store.ts';
import { createProcessLimits } from '../../src/adapters/sources/process-limits.ts';
import { createSourceReader, readSource } from '../../src/adapters/sources/read-source.ts';
import { collectUntilError, testContext } from '../../src/adapters/sources/source-test-kit.ts';
import { SourceError } from '../../src/domain/errors.ts';
import { defineConfig } from '../../src/domain/pipeline-definition.ts';
import type { ProviderAttempt } from '../../src/domain/source-item.ts';
import { collectPipeline } from '../../src/engine/collect-pipeline.ts';
import type { Logger } from '../../src/engine/ports.ts';
import { ConfigError, connectors, type FrankfurterRate, type FxRatesOptions } from '../../src/index.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';

const { fxRates } = connectors;
// No keep-alive: a socket the server closes while PGlite's migrations hold the event loop would be
// reused and reset (ECONNRESET) by the next run's request.
const CLOSE = { connection: 'close' };
const XML_TYPE = { 'content-type': 'text/xml', ...CLOSE };
const JSON_TYPE = { 'content-type': 'application/json', ...CLOSE };
const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLogger };

/** Frankfurter's /v1/latest by `base`, as its fixtures were recorded. */
function frankfurterLatest(request: IncomingMessage, response: ServerResponse): void {
  const base = new URL(request.url ?? '/', 'http://fixture').searchParams.get('base');
  const file =
    base === 'EUR' ? 'frankfurter_latest_base-EUR.json' : 'frankfurter_latest_base-USD_symbols-EUR,USD.json';
  response.writeHead(200, JSON_TYPE).end(upstreamFixture(file));
}

const ECB_DOWN = {
  status: 503,
  headers: { 'content-type': 'text/plain', ...CLOSE },
  body: 'Service Unavailable',
};
// Not recorded: the v6 docs' error shape, with HTTP 200 as the keyed API sends it.
const ERAPI_QUOTA = { headers: JSON_TYPE, body: '{"result":"error","error-type":"quota-reached"}' };

// Declared before any describe, so that every suite is registered before the first one ends.
const backends = await testBackends();
let server: FixtureServer;

before(async () => {
  server = await startFixtureServer({
    '/up/ecb/eurofxref-daily.xml': {
      headers: XML_TYPE,
      body: upstreamFixture('ecb_eurofxref-daily_2025-05-09.xml'),
    },
    '/up/erapi/v6/latest/USD': { headers: JSON_TYPE, body: upstreamFixture('erapi_v6_latest_USD.json') },
    '/up/frankfurter/v1/latest': frankfurterLatest,
    '/down/ecb/eurofxref-daily.xml': ECB_DOWN,
    '/down/erapi/v6/latest/USD': ERAPI_QUOTA,
    // A mirror answering with the wrong base: USD rates for a EUR request.
    '/wrong/erapi/v6/latest/EUR': { headers: JSON_TYPE, body: upstreamFixture('erapi_v6_latest_USD.json') },
    '/down/frankfurter/v1/latest': { status: 503, headers: JSON_TYPE, body: '{"message":"maintenance"}' },
  });
});
after(() => server.close());

/** Each provider on the `up` or `down` side of the server. */
const urls = (ecb: 'up' | 'down', erapi: 'up' | 'down' | 'wrong', frankfurter: 'up' | 'down') => ({
  ecb: `${server.url}/${ecb}/ecb`,
  erapi: `${server.url}/${erapi}/erapi/v6`,
  frankfurter: `${server.url}/${frankfurter}/frankfurter/v1`,
});

/** Reads the chain once, transforms what the serving provider sent, and notes every provider's outcome. */
async function collect(options: FxRatesOptions) {
  const rates = fxRates(options);
  const attempts: ProviderAttempt[] = [];
  const { items, error } = await collectUntilError(
    readSource(rates.source, testContext({ onProvider: (attempt) => attempts.push(attempt) })),
  );
  const records = items.flatMap((item) => {
    if (item.kind !== 'record') return [];
    const out = rates.transform(item.value, { origin: item.origin, params: {} });
    return out === null || out === undefined ? [] : Array.isArray(out) ? out : [out];
  });
  const outcomes = attempts.map((attempt) => `${attempt.provider} ${attempt.outcome}`);
  return { records, error, outcomes, attempts };
}

describe('connectors.fxRates', () => {
  it('base EUR from the ECB: its rates as published, no crossing', async () => {
    const { records, outcomes, error } = await collect({
      base: 'EUR',
      quotes: ['USD', 'GBP', 'JPY'],
      baseUrls: urls('up', 'up', 'up'),
    });
    assert.equal(error, undefined);
    assert.deepEqual(outcomes, ['ecb served']);
    assert.deepEqual(records, [
      { date: '2025-05-09', base: 'EUR', quote: 'USD', rate: 1.1252 },
      { date: '2025-05-09', base: 'EUR', quote: 'GBP', rate: 0.8477 },
      { date: '2025-05-09', base: 'EUR', quote: 'JPY', rate: 163.36 },
    ]);
  });

  it('base USD from the ECB: crossed through EUR, rounded to 6 significant digits', async () => {
    const { records, outcomes } = await collect({
      base: 'USD',
      quotes: ['EUR', 'GBP', 'JPY', 'CHF'],
      baseUrls: urls('up', 'up', 'up'),
    });
    assert.deepEqual(outcomes, ['ecb served']);
    // 1 / 1.1252 = 0.88873089…, 0.84770 / 1.1252 = 0.75337717…, 163.36 / 1.1252 = 145.18307…, 0.9353 / 1.1252 = 0.83123000…
    assert.deepEqual(records, [
      { date: '2025-05-09', base: 'USD', quote: 'EUR', rate: 0.888731 },
      { date: '2025-05-09', base: 'USD', quote: 'GBP', rate: 0.753377 },
      { date: '2025-05-09', base: 'USD', quote: 'JPY', rate: 145.183 },
      { date: '2025-05-09', base: 'USD', quote: 'CHF', rate: 0.83123 },
    ]);
    for (const record of records) fxRates({ base: 'USD', quotes: ['EUR'] }).schema.parse(record);
  });

  it('the ECB answers 503: ExchangeRate-API serves, its USD rates as sent', async () => {
    const { records, outcomes, attempts, error } = await collect({
      base: 'USD',
      quotes: ['EUR', 'GBP', 'JPY'],
      baseUrls: urls('down', 'up', 'up'),
    });
    assert.equal(error, undefined);
    assert.deepEqual(outcomes, ['ecb failed', 'erapi served']);
    assert.match(attempts[0]?.message ?? '', /answered HTTP 503/);
    assert.deepEqual(records, [
      { date: '2024-08-19', base: 'USD', quote: 'EUR', rate: 0.907539 },
      { date: '2024-08-19', base: 'USD', quote: 'GBP', rate: 0.773358 },
      { date: '2024-08-19', base: 'USD', quote: 'JPY', rate: 148.042596 },
    ]);
  });

  it('a quote the ECB does not publish (AED) fails the ECB, so ExchangeRate-API serves the whole day', async () => {
    const { records, outcomes, attempts } = await collect({
      base: 'USD',
      quotes: ['EUR', 'AED'],
      baseUrls: urls('up', 'up', 'up'),
    });
    assert.deepEqual(outcomes, ['ecb failed', 'erapi served']);
    assert.match(
      attempts[0]?.message ?? '',
      /the response is an error, not data: no USD rate for AED in the answer$/,
    );
    assert.deepEqual(records, [
      { date: '2024-08-19', base: 'USD', quote: 'EUR', rate: 0.907539 },
      { date: '2024-08-19', base: 'USD', quote: 'AED', rate: 3.6725 },
    ]);
  });

  it('the ECB down and ExchangeRate-API out of quota: Frankfurter serves', async () => {
    const { records, outcomes, attempts } = await collect({
      base: 'USD',
      quotes: ['EUR'],
      baseUrls: urls('down', 'down', 'up'),
    });
    assert.deepEqual(outcomes, ['ecb failed', 'erapi failed', 'frankfurter served']);
    assert.match(attempts[1]?.message ?? '', /not data: quota-reached$/);
    assert.deepEqual(records, [{ date: '2025-12-17', base: 'USD', quote: 'EUR', rate: 0.8531 }]);
    assert.match(server.requests.at(-1)?.url ?? '', /^\/up\/frankfurter\/v1\/latest\?base=USD&symbols=EUR$/);
  });

  it('an answer for another base than the one asked fails its provider instead of filing rates under the wrong pair', async () => {
    const { records, outcomes, attempts } = await collect({
      base: 'EUR',
      quotes: ['USD'],
      baseUrls: urls('down', 'wrong', 'up'),
    });
    assert.deepEqual(outcomes, ['ecb failed', 'erapi failed', 'frankfurter served']);
    assert.match(attempts[1]?.message ?? '', /no EUR rate for USD in the answer$/);
    assert.deepEqual(records, [{ date: '2025-12-17', base: 'EUR', quote: 'USD', rate: 1.1722 }]);
  });

  it("all three failing fails the read with each one's reason", async () => {
    const { records, outcomes, error } = await collect({
      base: 'USD',
      quotes: ['EUR'],
      baseUrls: urls('down', 'down', 'down'),
    });
    assert.deepEqual(records, []);
    assert.deepEqual(outcomes, ['ecb failed', 'erapi failed', 'frankfurter failed']);
    assert.ok(error instanceof SourceError);
    assert.match(
      error.message,
      /^every provider of "ecb > erapi > frankfurter" failed: ecb: .*HTTP 503.*; erapi: .*quota-reached; frankfurter: .*HTTP 503/,
    );
  });

  it('refuses quotes it cannot ask for', () => {
    assert.throws(() => fxRates({ base: 'USD', quotes: [] }), /give at least one quote currency/);
    assert.throws(() => fxRates({ base: 'USD', quotes: ['EUR', 'USD'] }), /USD is the base/);
    assert.throws(() => fxRates({ base: 'usd', quotes: ['EUR'] }), ConfigError);
    assert.throws(() => fxRates({ quotes: ['GBP', 'GBP'] }), /quotes name a currency twice/);
    const { source, base } = fxRates({ quotes: ['USD'] });
    assert.equal(base, 'EUR');
    assert.equal(source.name, 'ecb > erapi > frankfurter');
    assert.deepEqual(
      source.providers.map((provider) => (provider.kind === 'http' ? provider.urlSource : provider.kind)),
      [
        'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml',
        'https://open.er-api.com/v6/latest/EUR',
        'https://api.frankfurter.dev/v1/latest',
      ],
    );
  });
});

for (const backend of backends) {
  describe(`connectors.fxRates end to end on ${backend.kind}`, { skip: backend.skip }, () => {
    it('the ECB answers 503 three times: ExchangeRate-API serves, recorded on the run and on every row', async () => {
      const { db, close } = await backend.open();
      try {
        await migrate(db);
        const rates = fxRates({
          base: 'USD',
          quotes: ['EUR', 'GBP', 'CHF'],
          baseUrls: urls('down', 'up', 'up'),
        });
        await db.transaction((tx) => ensureDatasetTables(tx, [rates.dataset]));
        const config = defineConfig({ datasets: [rates.dataset], pipelines: [rates.pipeline('usd_rates')] });
        const ports = {
          // As `sluice run` reads: retries, breakers and rate limits kept in this database (no jitter).
          readSource: createSourceReader({
            store: createSharedProviderStore(db, db),
            limits: createProcessLimits(),
            env: {},
            random: () => 0,
          }),
          writerFor: () => createDatasetWriter(db, 'public', rates.dataset),
          runs: createRunStore(db),
          quarantine: createQuarantineStore(db),
          clock: { now: () => new Date() },
          logger: quietLogger,
          newRunId: randomUUID,
        };
        const ecbBefore = server.requests.filter((request) => request.url.startsWith('/down/ecb/')).length;
        const report = await collectPipeline(ports, config.pipelines.get('usd_rates')!, {
          trigger: 'test',
          baseDir: '.',
        });
        assert.equal(report.status, 'succeeded', JSON.stringify(report.errors));
        assert.equal(report.counts.inserted, 3);
        const { rows: runs } = await db.query<{ provider: string; providers: ProviderAttempt[] }>(
          "SELECT provider, report->'providers' AS providers FROM sluice.runs WHERE id = $1",
          [report.runId],
        );
        assert.equal(runs[0]?.provider, 'erapi');
        assert.deepEqual(
          runs[0]?.providers.map((attempt) => [attempt.provider, attempt.outcome]),
          [
            ['ecb', 'failed'],
            ['erapi', 'served'],
          ],
        );
        assert.match(runs[0]?.providers[0]?.message ?? '', /answered HTTP 503/);
        // The ECB's three attempts (a 503 is retried), then one request to ExchangeRate-API.
        const sent = server.requests.filter((request) => request.url.startsWith('/down/ecb/')).length;
        assert.equal(sent - ecbBefore, 3);
        const { rows: breakers } = await db.query<{ consecutive_failures: number }>(
          "SELECT consecutive_failures FROM sluice.source_breakers WHERE provider = 'ecb'",
        );
        // Each attempt counts against the ECB's breaker: 3 of its threshold of 5, still closed.
        assert.deepEqual(breakers, [{ consecutive_failures: 3 }]);
        const { rows } = await db.query<FrankfurterRate & { _provider: string }>(
          'SELECT date::text AS date, base, quote, rate, _provider FROM public.fx_rates ORDER BY quote',
        );
        assert.deepEqual(
          rows.map((row) => ({ ...row, rate: Number(row.rate) })),
          [
            { date: '2024-08-19', base: 'USD', quote: 'CHF', rate: 0.867267, _provider: 'erapi' },
            { date: '2024-08-19', base: 'USD', quote: 'EUR', rate: 0.907539, _provider: 'erapi' },
            { date: '2024-08-19', base: 'USD', quote: 'GBP', rate: 0.773358, _provider: 'erapi' },
          ],
        );
      } finally {
        await close();
      }
    });
  });
}

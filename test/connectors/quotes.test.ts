// connectors.quotes, the Yahoo → Stooq → Twelve Data → static chain, on the recorded answers of each upstream:
// who serves when the ones before fail, the record each answer gives, and the provider on runs and rows.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { ensureDatasetTables } from '../../src/adapters/postgres/dataset-tables.ts';
import { createDatasetWriter } from '../../src/adapters/postgres/dataset-writer.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { createQuarantineStore } from '../../src/adapters/postgres/quarantine-store.ts';
import { createRunStore } from '../../src/adapters/postgres/run-store.ts';
import { readSource } from '../../src/adapters/sources/read-source.ts';
import { defineConfig } from '../../src/domain/pipeline-definition.ts';
import { collectPipeline } from '../../src/engine/collect-pipeline.ts';
import type { Logger } from '../../src/engine/ports.ts';
import { ConfigError, connectors, type Quote, type QuotesOptions } from '../../src/index.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';

const { quotes } = connectors;
const JSON_TYPE = { 'content-type': 'application/json' };
const CSV_TYPE = { 'content-type': 'text/csv' };
const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLogger };
const LAST_RESORT = { price: 150, asOf: '2022-09-20', currency: 'USD' };

// What each link answers when it works, and when it fails, as recorded.
const YAHOO_OK = {
  headers: JSON_TYPE,
  body: upstreamFixture('yahoo_chart_v8_AAPL_1d_events_2020-08-31..11-07.json'),
};
const YAHOO_404 = {
  status: 404,
  headers: JSON_TYPE,
  body: upstreamFixture('yahoo_chart_v8_error_404_not-found.json'),
};
const STOOQ_OK = { headers: CSV_TYPE, body: upstreamFixture('stooq_quote_aapl.us_sd2t2ohlcv.csv') };
const STOOQ_ND = { headers: CSV_TYPE, body: upstreamFixture('stooq_quote_unknown-symbol_ND.csv') };
const TD_OK = { headers: JSON_TYPE, body: upstreamFixture('twelvedata_quote_AAPL.json') };
const TD_429 = { headers: JSON_TYPE, body: upstreamFixture('twelvedata_error_429_minute_credits.json') };

/** Which links work in each scenario: `/<scenario>/yahoo/…`, `/<scenario>/stooq/…`, `/<scenario>/twelvedata/…`. */
const SCENARIOS = {
  yahoo: [YAHOO_OK, STOOQ_OK, TD_OK],
  stooq: [YAHOO_404, STOOQ_OK, TD_OK],
  twelvedata: [YAHOO_404, STOOQ_ND, TD_OK],
  none: [YAHOO_404, STOOQ_ND, TD_429],
} as const;
type Scenario = keyof typeof SCENARIOS;

// The quote each link yields, worked out from its fixture by hand.
const SERVED: Record<Scenario, { provider: string; quote: Quote }> = {
  // Yahoo's meta: regularMarketPrice and regularMarketTime 1739998801 (when the recording was made).
  yahoo: {
    provider: 'yahoo',
    quote: { symbol: 'AAPL', time: '2025-02-19T21:00:01.000Z', price: 244.87, currency: 'USD' },
  },
  // Stooq's 2022-12-09 22:00:03 in Warsaw (CET); Stooq names no currency.
  stooq: {
    provider: 'stooq',
    quote: { symbol: 'AAPL', time: '2022-12-09T21:00:03.000Z', price: 142.16, currency: null },
  },
  twelvedata: {
    provider: 'twelvedata',
    quote: { symbol: 'AAPL', time: '2022-09-20T19:59:59.000Z', price: 156.89999, currency: 'USD' },
  },
  none: {
    provider: 'static:quote-aapl',
    quote: { symbol: 'AAPL', time: '2022-09-20T00:00:00.000Z', price: 150, currency: 'USD' },
  },
};

// Awaited before any suite is declared: a top-level await between suites lets the root's after()
// (closing the server) run once the first suite is done, before the later ones are declared.
const backends = await testBackends();
let server: FixtureServer;

before(async () => {
  const routes: Record<string, (typeof SCENARIOS)[Scenario][number]> = {};
  for (const [scenario, [yahoo, stooq, twelvedata]] of Object.entries(SCENARIOS)) {
    routes[`/${scenario}/yahoo/v8/finance/chart/AAPL`] = yahoo;
    routes[`/${scenario}/stooq/q/l/`] = stooq;
    routes[`/${scenario}/twelvedata/quote`] = twelvedata;
  }
  server = await startFixtureServer(routes);
});
after(() => server.close());
beforeEach(() => {
  process.env.TWELVEDATA_API_KEY = 'td-test-key';
});
afterEach(() => {
  delete process.env.TWELVEDATA_API_KEY;
});

function options(scenario: Scenario): QuotesOptions {
  return {
    lastResort: LAST_RESORT,
    yahoo: { baseUrl: `${server.url}/${scenario}/yahoo/v8/finance/chart` },
    stooq: { baseUrl: `${server.url}/${scenario}/stooq` },
    twelvedata: { baseUrl: `${server.url}/${scenario}/twelvedata` },
  };
}

describe('connectors.quotes', () => {
  it('is Yahoo, Stooq, Twelve Data and a static value, in that order, with their own names', () => {
    const source = quotes.source('AAPL', { lastResort: LAST_RESORT });
    assert.equal(source.name, 'yahoo > stooq > twelvedata > static:quote-aapl');
    const [yahoo, stooq, twelvedata, last] = source.providers;
    assert.equal(
      yahoo?.kind === 'http' && yahoo.urlSource,
      'https://query2.finance.yahoo.com/v8/finance/chart/AAPL',
    );
    assert.equal(
      stooq?.kind === 'http' && stooq.urlSource,
      'https://stooq.com/q/l/?s=aapl.us&f=sd2t2ohlcv&h&e=csv',
    );
    assert.equal(twelvedata?.kind === 'http' && twelvedata.urlSource, 'https://api.twelvedata.com/quote');
    assert.deepEqual(last, {
      kind: 'static',
      name: 'static:quote-aapl',
      records: [{ price: 150, currency: 'USD' }],
      asOf: '2022-09-20',
    });
    const spelled = quotes.source('MC', {
      lastResort: LAST_RESORT,
      stooq: { symbol: 'mc.fr' },
      yahoo: { symbol: 'MC.PA' },
    });
    const [y, s] = spelled.providers;
    assert.equal(y?.kind === 'http' && y.urlSource.endsWith('/chart/MC.PA'), true);
    assert.equal(s?.kind === 'http' && s.urlSource.includes('?s=mc.fr&'), true);
  });

  it('refuses a chain without a last resort, or one without a price', () => {
    assert.throws(() => quotes.source('AAPL', {} as QuotesOptions), ConfigError);
    assert.throws(
      () => quotes.source('AAPL', { lastResort: { price: 0, asOf: '2022-09-20' } }),
      /lastResort must give a positive price/,
    );
    assert.throws(
      () => quotes.source('AAPL', { lastResort: { price: 1, asOf: 'last week' } }),
      /`asOf` must be the date/,
    );
  });
});

for (const backend of backends) {
  describe(`connectors.quotes end to end on ${backend.kind}`, { skip: backend.skip }, () => {
    it('falls through Yahoo, Stooq and Twelve Data to the static value, each served in turn as the ones before fail', async () => {
      const { db, close } = await backend.open();
      try {
        await migrate(db);
        await db.transaction((tx) => ensureDatasetTables(tx, [quotes.dataset]));
        const scenarios = Object.keys(SCENARIOS) as Scenario[];
        const config = defineConfig({
          datasets: [quotes.dataset],
          pipelines: scenarios.map((scenario) =>
            quotes.pipeline(`aapl_${scenario}`, { symbol: 'AAPL', ...options(scenario) }),
          ),
        });
        const ports = {
          readSource,
          writerFor: () => createDatasetWriter(db, 'public', quotes.dataset),
          runs: createRunStore(db),
          quarantine: createQuarantineStore(db),
          clock: { now: () => new Date() },
          logger: quietLogger,
          newRunId: randomUUID,
        };
        const order = ['yahoo', 'stooq', 'twelvedata', 'static:quote-aapl'];
        for (const scenario of scenarios) {
          const report = await collectPipeline(ports, config.pipelines.get(`aapl_${scenario}`)!, {
            trigger: 'test',
            baseDir: '.',
          });
          const { provider, quote } = SERVED[scenario];
          assert.equal(report.status, 'succeeded', `${scenario}: ${JSON.stringify(report.errors)}`);
          assert.equal(report.provider, provider);
          const served = order.indexOf(provider);
          assert.deepEqual(
            report.providers?.map(({ provider: name, outcome }) => `${name} ${outcome}`),
            order
              .slice(0, served + 1)
              .map((name, index) => `${name} ${index === served ? 'served' : 'failed'}`),
            scenario,
          );
          const { rows } = await db.query<Record<string, unknown>>(
            `SELECT symbol, to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time, price, currency
               FROM public.quotes WHERE _provider = $1`,
            [provider],
          );
          assert.deepEqual(
            rows.map((row) => ({ ...row, price: Number(row.price) })),
            [quote],
            scenario,
          );
        }
        // Why each link failed, as the run report keeps it.
        const none = await db.query<{
          report: { providers: Array<{ provider: string; message?: string; asOf?: string }> };
        }>("SELECT report FROM sluice.runs WHERE pipeline = 'aapl_none'");
        const [yahoo, stooq, twelvedata, last] = none.rows[0]!.report.providers;
        assert.match(yahoo?.message ?? '', /HTTP 404: .*No data found, symbol may be delisted/);
        assert.match(stooq?.message ?? '', /N\/D for APPL\.US: an unknown symbol/);
        assert.match(
          twelvedata?.message ?? '',
          /429: You have run out of API credits for the current minute/,
        );
        assert.equal(last?.asOf, '2022-09-20');
      } finally {
        await close();
      }
    });
  });
}

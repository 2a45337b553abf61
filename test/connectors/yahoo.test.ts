// connectors.yahoo on every recorded Yahoo chart answer, replayed from 127.0.0.1: the request it sends, the
// exact bars it yields (days in the exchange's zone, events on their day), its errors, and runs end to end.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
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
import { ConfigError, connectors, type YahooBar, type YahooChartOptions } from '../../src/index.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';

const { yahoo } = connectors;
const JSON_TYPE = { 'content-type': 'application/json;charset=utf-8' };
const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLogger };

/**
 * `'<New York day> <UTC hh:mm> open high low close adjclose volume'` → an AAPL 1d bar of that day,
 * without events. The day was worked out apart from the code (Python's zoneinfo), not by it.
 */
function aaplBar(row: string): YahooBar {
  const [date, hhmm, open, high, low, close, adjClose, volume] = row.split(' ') as [string, ...string[]];
  return {
    symbol: 'AAPL',
    interval: '1d',
    time: `${date}T${hhmm}:00.000Z`,
    date,
    open: Number(open),
    high: Number(high),
    low: Number(low),
    close: Number(close),
    adj_close: Number(adjClose),
    volume: Number(volume),
    currency: 'USD',
    dividend: null,
    split: null,
  };
}

// The 49 bars of yahoo_chart_v8_AAPL_1d_events_2020-08-31..11-07.json, typed out here rather than read from it.
// From 2020-11-02 the open is 14:30Z: New York left summer time on 2020-11-01.
const AAPL_ROWS = [
  '2020-08-31 13:30 127.58000183105469 131 126 129.0399932861328 125.82673645019531 225702700',
  '2020-09-01 13:30 132.75999450683594 134.8000030517578 130.52999877929688 134.17999267578125 130.83871459960938 151948100',
  '2020-09-02 13:30 137.58999633789062 137.97999572753906 127 131.39999389648438 128.12794494628906 200119000',
  '2020-09-03 13:30 126.91000366210938 128.83999633789062 120.5 120.87999725341797 117.86993408203125 257599600',
  '2020-09-04 13:30 120.06999969482422 123.69999694824219 110.88999938964844 120.95999908447266 117.94794464111328 332607200',
  '2020-09-08 13:30 113.94999694824219 118.98999786376953 112.68000030517578 112.81999969482422 110.01062774658203 231366600',
  '2020-09-09 13:30 117.26000213623047 119.13999938964844 115.26000213623047 117.31999969482422 114.3985824584961 176940500',
  '2020-09-10 13:30 120.36000061035156 120.5 112.5 113.48999786376953 110.66394805908203 182274400',
  '2020-09-11 13:30 114.56999969482422 115.2300033569336 110 112 109.2110595703125 180860300',
  '2020-09-14 13:30 114.72000122070312 115.93000030517578 112.80000305175781 115.36000061035156 112.48738861083984 140150100',
  '2020-09-15 13:30 118.33000183105469 118.83000183105469 113.61000061035156 115.54000091552734 112.66291809082031 184642000',
  '2020-09-16 13:30 115.2300033569336 116 112.04000091552734 112.12999725341797 109.33781433105469 154679000',
  '2020-09-17 13:30 109.72000122070312 112.19999694824219 108.70999908447266 110.33999633789062 107.59239196777344 178011000',
  '2020-09-18 13:30 110.4000015258789 110.87999725341797 106.08999633789062 106.83999633789062 104.17955017089844 287104900',
  '2020-09-21 13:30 104.54000091552734 110.19000244140625 103.0999984741211 110.08000183105469 107.33887481689453 195713800',
  '2020-09-22 13:30 112.68000030517578 112.86000061035156 109.16000366210938 111.80999755859375 109.0257797241211 183055400',
  '2020-09-23 13:30 111.62000274658203 112.11000061035156 106.7699966430664 107.12000274658203 104.45257568359375 150718700',
  '2020-09-24 13:30 105.16999816894531 110.25 105 108.22000122070312 105.52517700195312 167743300',
  '2020-09-25 13:30 108.43000030517578 112.44000244140625 107.66999816894531 112.27999877929688 109.48408508300781 149981400',
  '2020-09-28 13:30 115.01000213623047 115.31999969482422 112.77999877929688 114.95999908447266 112.09733581542969 137672400',
  '2020-09-29 13:30 114.55000305175781 115.30999755859375 113.56999969482422 114.08999633789062 111.24901580810547 99382200',
  '2020-09-30 13:30 113.79000091552734 117.26000213623047 113.62000274658203 115.80999755859375 112.92616271972656 142675200',
  '2020-10-01 13:30 117.63999938964844 117.72000122070312 115.83000183105469 116.79000091552734 113.88176727294922 116120400',
  '2020-10-02 13:30 112.88999938964844 115.37000274658203 112.22000122070312 113.0199966430664 110.20565032958984 144712000',
  '2020-10-05 13:30 113.91000366210938 116.6500015258789 113.55000305175781 116.5 113.59900665283203 106243800',
  '2020-10-06 13:30 115.69999694824219 116.12000274658203 112.25 113.16000366210938 110.34217834472656 161498200',
  '2020-10-07 13:30 114.62000274658203 115.55000305175781 114.12999725341797 115.08000183105469 112.21435546875 96849000',
  '2020-10-08 13:30 116.25 116.4000015258789 114.58999633789062 114.97000122070312 112.10710906982422 83477200',
  '2020-10-09 13:30 115.27999877929688 117 114.91999816894531 116.97000122070312 114.05729675292969 100506900',
  '2020-10-12 13:30 120.05999755859375 125.18000030517578 119.27999877929688 124.4000015258789 121.30229949951172 240226800',
  '2020-10-13 13:30 125.2699966430664 125.38999938964844 119.6500015258789 121.0999984741211 118.08448028564453 262330500',
  '2020-10-14 13:30 121 123.02999877929688 119.62000274658203 121.19000244140625 118.17222595214844 150712000',
  '2020-10-15 13:30 118.72000122070312 121.19999694824219 118.1500015258789 120.70999908447266 117.70415496826172 112559200',
  '2020-10-16 13:30 121.27999877929688 121.55000305175781 118.80999755859375 119.0199966430664 116.05625915527344 115393800',
  '2020-10-19 13:30 119.95999908447266 120.41999816894531 115.66000366210938 115.9800033569336 113.0919418334961 120639300',
  '2020-10-20 13:30 116.19999694824219 118.9800033569336 115.62999725341797 117.51000213623047 114.58384704589844 124423700',
  '2020-10-21 13:30 116.66999816894531 118.70999908447266 116.44999694824219 116.87000274658203 113.95980072021484 89946000',
  '2020-10-22 13:30 117.44999694824219 118.04000091552734 114.58999633789062 115.75 112.86768341064453 101988000',
  '2020-10-23 13:30 116.38999938964844 116.55000305175781 114.27999877929688 115.04000091552734 112.17535400390625 82572600',
  '2020-10-26 13:30 114.01000213623047 116.55000305175781 112.87999725341797 115.05000305175781 112.18512725830078 111850700',
  '2020-10-27 13:30 115.48999786376953 117.27999877929688 114.54000091552734 116.5999984741211 113.6965103149414 92276800',
  '2020-10-28 13:30 115.05000305175781 115.43000030517578 111.0999984741211 111.19999694824219 108.43098449707031 143937800',
  '2020-10-29 13:30 112.37000274658203 116.93000030517578 112.19999694824219 115.31999969482422 112.44837188720703 146129200',
  '2020-10-30 13:30 111.05999755859375 111.98999786376953 107.72000122070312 108.86000061035156 106.14926147460938 190272600',
  '2020-11-02 14:30 109.11000061035156 110.68000030517578 107.31999969482422 108.7699966430664 106.06148529052734 122866900',
  '2020-11-03 14:30 109.66000366210938 111.48999786376953 108.7300033569336 110.44000244140625 107.68989562988281 107624400',
  '2020-11-04 14:30 114.13999938964844 115.58999633789062 112.3499984741211 114.94999694824219 112.08761596679688 138235500',
  '2020-11-05 14:30 117.94999694824219 119.62000274658203 116.87000274658203 119.02999877929688 116.06599426269531 126387100',
  '2020-11-06 14:30 118.31999969482422 119.19999694824219 116.12999725341797 118.69000244140625 115.93415069580078 114457900',
];
const AAPL_BARS = AAPL_ROWS.map(aaplBar);
AAPL_BARS[0] = { ...AAPL_BARS[0]!, split: 4 };
AAPL_BARS[48] = { ...AAPL_BARS[48]!, dividend: 0.205 };

const GOLD_BAR: YahooBar = {
  symbol: 'GC=F',
  interval: '1d',
  // The session's start, 00:00 in New York (05:00 UTC in winter).
  time: '2020-01-02T05:00:00.000Z',
  date: '2020-01-02',
  open: 1518.0999755859375,
  high: 1528.699951171875,
  low: 1518,
  close: 1524.5,
  adj_close: 1524.5,
  volume: 214,
  currency: 'USD',
  dividend: null,
  split: null,
};

const META_NY =
  '"currency":"USD","exchangeTimezoneName":"America/New_York","gmtoffset":-18000,"timezone":"EST"';
// Not recorded: a 1m weekend range as node-yahoo-finance2 recorded one (no timestamp, quote: [{}]).
const WEEKEND_1M = `{"chart":{"result":[{"meta":{${META_NY},"symbol":"AAPL","dataGranularity":"1m","range":""},"indicators":{"quote":[{}]}}],"error":null}}`;
// Not recorded: 1m bars in that shape, a minute without trades (all null), a dividend keyed by the day's open.
const INTRADAY_1M =
  `{"chart":{"result":[{"meta":{${META_NY},"symbol":"AAPL","dataGranularity":"1m"},` +
  '"timestamp":[1604673000,1604673060,1604673120],"events":{"dividends":{"1604673000":{"amount":0.205,"date":1604673000}}},' +
  '"indicators":{"quote":[{"open":[118.32,null,118.5],"high":[118.6,null,118.7],"low":[118.3,null,118.45],' +
  '"close":[118.55,null,118.66],"volume":[2100000,null,0]}]}}],"error":null}}';
// Not recorded: a summer bar of GC=F, 00:00 EDT = 04:00 UTC. The answer's gmtoffset is the
// request's (EST, -5 h): trusting it would put this bar on 2020-07-01.
const GOLD_SUMMER =
  `{"chart":{"result":[{"meta":{${META_NY},"symbol":"GC=F","dataGranularity":"1d"},"timestamp":[1593662400],` +
  '"indicators":{"quote":[{"open":[1780.5],"high":[1791.1],"low":[1771],"close":[1775.9],"volume":[null]}],' +
  '"adjclose":[{"adjclose":[1775.9]}]}}],"error":null}}';
const NOT_FOUND = upstreamFixture('yahoo_chart_v8_error_404_not-found.json');

// Awaited before any suite is declared: a top-level await between suites lets the root's after()
// (closing the server) run once the first suite is done, before the later ones are declared.
const backends = await testBackends();
let server: FixtureServer;

before(async () => {
  server = await startFixtureServer({
    '/v8/finance/chart/AAPL': (request, response) => {
      const query = new URL(request.url ?? '/', 'http://fixture').searchParams;
      const body =
        query.get('interval') === '1m'
          ? query.get('range') === '1d'
            ? WEEKEND_1M
            : INTRADAY_1M
          : upstreamFixture('yahoo_chart_v8_AAPL_1d_events_2020-08-31..11-07.json');
      response.writeHead(200, JSON_TYPE).end(body);
    },
    '/v8/finance/chart/GC=F': {
      headers: JSON_TYPE,
      body: upstreamFixture('yahoo_chart_v8_GC=F_1d_2020-01-01..03.json'),
    },
    '/summer/v8/finance/chart/GC=F': { headers: JSON_TYPE, body: GOLD_SUMMER },
    '/v8/finance/chart/NOPE': { status: 404, headers: JSON_TYPE, body: NOT_FOUND },
    // Yahoo's error document behind something that answers 200: the check still refuses it.
    '/as-200/v8/finance/chart/NOPE': { headers: JSON_TYPE, body: NOT_FOUND },
  });
});
after(() => server.close());

/** Reads the source once and transforms what it yields, as a run would. */
async function collect(options: YahooChartOptions, prefix = '') {
  const source = yahoo.source({ baseUrl: `${server.url}${prefix}/v8/finance/chart`, ...options });
  const { items, error } = await collectUntilError(readSource(source, testContext()));
  const context = { origin: { provider: source.name }, params: {} };
  const records = recordValues(items).flatMap((document) => {
    const out = yahoo.transform(document, context);
    return out === null || out === undefined ? [] : Array.isArray(out) ? out : [out];
  });
  const sent = server.requests.at(-1);
  return { records, error, sent: sent?.url, userAgent: sent?.headers['user-agent'] };
}

describe('connectors.yahoo', () => {
  it('AAPL 1d with events: 49 bars of the exchange-local day, the 4:1 split and the dividend on theirs', async () => {
    const { records, error, sent, userAgent } = await collect({
      symbol: 'AAPL',
      from: '2020-08-31',
      to: '2020-11-07',
    });
    assert.equal(error, undefined);
    assert.equal(
      sent,
      '/v8/finance/chart/AAPL?interval=1d&events=div%7Csplit&period1=1598832000&period2=1604707200',
    );
    assert.match(String(userAgent), /^Mozilla\/5\.0 /);
    assert.deepEqual(records, AAPL_BARS);
    for (const record of records) yahoo.schema.parse(record);
  });

  it('GC=F, a future: one bar starting at the session open, 05:00 UTC, on 2020-01-02', async () => {
    const { records, error, sent } = await collect({ symbol: 'GC=F', from: '2020-01-01', to: '2020-01-03' });
    assert.equal(error, undefined);
    assert.equal(
      sent,
      '/v8/finance/chart/GC=F?interval=1d&events=div%7Csplit&period1=1577836800&period2=1578009600',
    );
    assert.deepEqual(records, [GOLD_BAR]);
  });

  it("the day comes from exchangeTimezoneName through Intl, not from the answer's gmtoffset", async () => {
    const { records } = await collect({ symbol: 'GC=F', range: '5d' }, '/summer');
    assert.deepEqual(
      records.map(({ time, date, volume }) => ({ time, date, volume })),
      [{ time: '2020-07-02T04:00:00.000Z', date: '2020-07-02', volume: null }],
    );
  });

  it('intraday 1m: a minute without trades is left out, no adjusted close, the dividend on the first bar of its day', async () => {
    const { records, sent } = await collect({ symbol: 'AAPL', interval: '1m', range: '5d' });
    assert.equal(sent, '/v8/finance/chart/AAPL?interval=1m&events=div%7Csplit&range=5d');
    const common = {
      symbol: 'AAPL',
      interval: '1m',
      date: '2020-11-06',
      adj_close: null,
      currency: 'USD',
      split: null,
    };
    assert.deepEqual(records, [
      {
        ...common,
        time: '2020-11-06T14:30:00.000Z',
        open: 118.32,
        high: 118.6,
        low: 118.3,
        close: 118.55,
        volume: 2100000,
        dividend: 0.205,
      },
      {
        ...common,
        time: '2020-11-06T14:32:00.000Z',
        open: 118.5,
        high: 118.7,
        low: 118.45,
        close: 118.66,
        volume: 0,
        dividend: null,
      },
    ]);
  });

  it('a weekend range: no timestamp, no bars, no error', async () => {
    const { records, error, sent } = await collect({ symbol: 'AAPL', interval: '1m', range: '1d' });
    assert.equal(error, undefined);
    assert.equal(sent, '/v8/finance/chart/AAPL?interval=1m&events=div%7Csplit&range=1d');
    assert.deepEqual(records, []);
  });

  it('a bar with one price missing is refused by the schema, not stored with a null', () => {
    const answer = JSON.parse(INTRADAY_1M);
    answer.chart.result[0].indicators.quote[0].close[0] = null;
    const [first] = yahoo.transform(answer, { origin: { provider: 'yahoo' }, params: {} }) as YahooBar[];
    assert.equal(first?.close, null);
    const parsed = yahoo.schema.safeParse(first);
    assert.equal(parsed.success, false);
    assert.deepEqual(
      parsed.error?.issues.map((issue) => issue.path),
      [['close']],
    );
  });

  it('an answer without exchangeTimezoneName fails the transform instead of guessing a zone', () => {
    const answer = JSON.parse(INTRADAY_1M);
    delete answer.chart.result[0].meta.exchangeTimezoneName;
    assert.throws(
      () => yahoo.transform(answer, { origin: { provider: 'yahoo' }, params: {} }),
      /no meta\.exchangeTimezoneName/,
    );
    answer.chart.result[0].meta.exchangeTimezoneName = 'EST';
    assert.doesNotThrow(() => yahoo.transform(answer, { origin: { provider: 'yahoo' }, params: {} }));
    answer.chart.result[0].meta.exchangeTimezoneName = 'Mars/Olympus';
    assert.throws(
      () => yahoo.transform(answer, { origin: { provider: 'yahoo' }, params: {} }),
      /"Mars\/Olympus" is not an IANA time zone/,
    );
  });

  it('an unknown symbol: the 404 of yahoo_chart_v8_error_404_not-found.json fails with its description', async () => {
    const { records, error } = await collect({ symbol: 'NOPE' });
    assert.deepEqual(records, []);
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'upstream_http_error');
    assert.equal(error.status, 404);
    assert.equal(error.retryable, false);
    assert.match(error.message, /answered HTTP 404: .*"description":"No data found, symbol may be delisted"/);
  });

  it('the same chart.error with HTTP 200 is refused by the check with code and description', async () => {
    const { records, error } = await collect({ symbol: 'NOPE' }, '/as-200');
    assert.deepEqual(records, []);
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'upstream_error_body');
    assert.match(
      error.message,
      /the response is an error, not data: Not Found: No data found, symbol may be delisted$/,
    );
  });

  it('declares its policies and refuses what it cannot send', () => {
    const source = yahoo.source({ symbol: 'AAPL' });
    assert.equal(source.urlSource, 'https://query2.finance.yahoo.com/v8/finance/chart/AAPL');
    assert.equal(source.name, 'yahoo');
    assert.equal(source.timeoutMs, 15_000);
    assert.deepEqual(source.resilience, {
      retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
      rateLimit: { requests: 1, per: '1s' },
      concurrency: undefined,
      breaker: { threshold: 5, cooldownS: 120 },
    });
    assert.throws(() => yahoo.source({ symbol: 'AAPL MSFT' }), ConfigError);
    assert.throws(
      () => yahoo.source({ symbol: 'AAPL', interval: '7m' as '1m' }),
      /interval "7m" must be one of/,
    );
    assert.throws(() => yahoo.source({ symbol: 'AAPL', range: 'forever' }), /range "forever"/);
    assert.throws(() => yahoo.source({ symbol: 'AAPL', from: '2020-08-31' }), /give both from and to/);
    assert.throws(
      () => yahoo.source({ symbol: 'AAPL', from: '31/08/2020', to: '2020-11-07' }),
      /from "31\/08\/2020"/,
    );
  });
});

for (const backend of backends) {
  describe(`connectors.yahoo end to end on ${backend.kind}`, { skip: backend.skip }, () => {
    it('stores the 49 AAPL bars in market_bars; a weekend run succeeds with zero records and a warning', async () => {
      const { db, close } = await backend.open();
      try {
        await migrate(db);
        await db.transaction((tx) => ensureDatasetTables(tx, [yahoo.dataset]));
        const baseUrl = `${server.url}/v8/finance/chart`;
        const config = defineConfig({
          datasets: [yahoo.dataset],
          pipelines: [
            yahoo.pipeline('aapl_daily', { symbol: 'AAPL', from: '2020-08-31', to: '2020-11-07', baseUrl }),
            yahoo.pipeline('aapl_minutes', { symbol: 'AAPL', interval: '1m', range: '1d', baseUrl }),
          ],
        });
        const ports = {
          readSource,
          writerFor: () => createDatasetWriter(db, 'public', yahoo.dataset),
          runs: createRunStore(db),
          quarantine: createQuarantineStore(db),
          clock: { now: () => new Date() },
          logger: quietLogger,
          newRunId: randomUUID,
        };
        const daily = await collectPipeline(ports, config.pipelines.get('aapl_daily')!, {
          trigger: 'test',
          baseDir: '.',
        });
        assert.equal(daily.status, 'succeeded', JSON.stringify(daily.errors));
        assert.equal(daily.counts.inserted, 49);
        const { rows } = await db.query<Record<string, unknown>>(
          `SELECT symbol, interval, to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS time,
                  date::text AS date, open, high, low, close, adj_close, volume, currency, dividend, split, _provider
             FROM public.market_bars ORDER BY time`,
        );
        assert.deepEqual(
          rows.map(({ _provider, ...row }) => {
            assert.equal(_provider, 'yahoo');
            const numeric = ['open', 'high', 'low', 'close', 'adj_close', 'volume', 'dividend', 'split'];
            return Object.fromEntries(
              Object.entries(row).map(([key, value]) => [
                key,
                numeric.includes(key) && value !== null ? Number(value) : value,
              ]),
            );
          }),
          AAPL_BARS,
        );

        const weekend = await collectPipeline(ports, config.pipelines.get('aapl_minutes')!, {
          trigger: 'test',
          baseDir: '.',
        });
        assert.equal(weekend.status, 'succeeded', JSON.stringify(weekend.errors));
        assert.deepEqual(
          [weekend.counts.fetched, weekend.counts.produced, weekend.counts.rejected],
          [1, 0, 0],
        );
        assert.deepEqual(
          weekend.warnings.map((warning) => warning.code),
          ['no_records'],
        );
        assert.match(
          weekend.warnings[0]!.message,
          /delivered 1 item\(s\) but the transform produced no record/,
        );
      } finally {
        await close();
      }
    });
  });
}

// connectors.ecb on the recorded daily file and history files built from it, replayed from 127.0.0.1:
// the request, the exact records, a single child, an empty file, its errors, and one run end to end.
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
import { ConfigError, connectors, type EcbOptions, type EcbRate, xmlRows } from '../../src/index.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';

const { ecb } = connectors;
// No keep-alive: a socket the server closes while PGlite's migrations hold the event loop would be
// reused and reset (ECONNRESET) by the next run's request.
const XML_TYPE = { 'content-type': 'text/xml', connection: 'close' };
const DAILY_FILE = 'ecb_eurofxref-daily_2025-05-09.xml';
const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLogger };

/** `"USD 1.1252, JPY 163.36"` → [currency, rate text] in that order. */
const cells = (table: string): Array<[string, string]> =>
  table.split(', ').map((cell) => cell.split(' ') as [string, string]);

const records = (date: string, table: string): EcbRate[] =>
  cells(table).map(([quote, rate]) => ({ date, base: 'EUR', quote, rate: Number(rate) }));

// The 2025-05-09 rates as the fixture writes them (file order, trailing zeros kept), typed out here.
const DAY_0509 =
  'USD 1.1252, JPY 163.36, BGN 1.9558, CZK 24.946, DKK 7.4604, GBP 0.84770, HUF 404.90, PLN 4.2393, ' +
  'RON 5.1181, SEK 10.9200, CHF 0.9353, ISK 146.90, NOK 11.6725, TRY 43.5999, AUD 1.7572, BRL 6.3647, ' +
  'CAD 1.5658, CNY 8.1470, HKD 8.7519, IDR 18606.59, ILS 3.9928, INR 96.0755, KRW 1575.72, MXN 21.9473, ' +
  'MYR 4.8350, NZD 1.9095, PHP 62.413, SGD 1.4600, THB 37.132, ZAR 20.4835';
const DAILY = records('2025-05-09', DAY_0509);

/**
 * History files are not recorded. These are DERIVED: the recorded daily envelope (its namespaces,
 * subject, sender) in the history files' layout that the fixtures README describes (one `<Cube
 * time>` per line, double quotes, newest day first). 2025-05-09 is the recorded day; the other
 * days' values are ILLUSTRATIVE, not the ECB's, and HRK (dropped in 2023) shows a currency that goes.
 */
function history(days: ReadonlyArray<readonly [string, string]>): string {
  const lines = days.map(
    ([time, table]) =>
      `<Cube time="${time}">${cells(table)
        .map(([currency, rate]) => `<Cube currency="${currency}" rate="${rate}"/>`)
        .join('')}</Cube>`,
  );
  return upstreamFixture(DAILY_FILE)
    .toString('utf8')
    .replace(/<Cube>[\s\S]*<\/Cube>/, `<Cube>\n${lines.join('\n')}\n</Cube>`);
}

const HIST_90D = history([
  ['2025-05-09', DAY_0509],
  ['2025-05-08', 'USD 1.1283, JPY 164.01, GBP 0.84950'],
  ['2025-05-07', 'USD 1.1357, GBP 0.85080'],
]);
const HIST_FULL = history([
  ['2023-01-02', 'USD 1.0683, GBP 0.88520'],
  ['2022-12-30', 'USD 1.0666, HRK 7.5365, GBP 0.88693'],
]);
// A single child at each level: fast-xml-parser gives an object, not a one-element array.
const ONE_DAY_ONE_RATE = history([['2025-05-09', 'USD 1.1252']]);
const ONE_DAY = history([['2025-05-09', 'USD 1.1252, JPY 163.36']]);
// A file whose Cube holds no day (nothing published yet, a truncated copy): no records, no error.
const NO_DAY = history([]).replace(/<Cube>\s*<\/Cube>/, '<Cube></Cube>');

// Before any describe: a run whose later suites register after the first ones end would close the server early.
const backends = await testBackends();
let server: FixtureServer;

before(async () => {
  const xml = (body: string | Buffer) => ({ headers: XML_TYPE, body });
  server = await startFixtureServer({
    '/stats/eurofxref/eurofxref-daily.xml': xml(upstreamFixture(DAILY_FILE)),
    '/stats/eurofxref/eurofxref-hist-90d.xml': xml(HIST_90D),
    '/stats/eurofxref/eurofxref-hist.xml': xml(HIST_FULL),
    '/one-rate/eurofxref-daily.xml': xml(ONE_DAY_ONE_RATE),
    '/one-day/eurofxref-hist-90d.xml': xml(ONE_DAY),
    '/no-day/eurofxref-daily.xml': xml(NO_DAY),
    '/bad-rate/eurofxref-daily.xml': xml(history([['2025-05-09', 'USD 1.1252, JPY n/a']])),
    '/down/eurofxref-daily.xml': {
      status: 503,
      headers: { 'content-type': 'text/plain' },
      body: 'unavailable',
    },
    '/portal/eurofxref-daily.xml': xml('<?xml version="1.0"?><error><message>maintenance</message></error>'),
    '/html/eurofxref-daily.xml': {
      headers: { 'content-type': 'text/html' },
      body: '<!DOCTYPE html><html><body>Maintenance</body></html>',
    },
  });
});
after(() => server.close());

/** Reads the source once and transforms what it yields, as a run would. */
async function collect(options: EcbOptions, prefix = '/stats/eurofxref') {
  const source = ecb.source({ baseUrl: `${server.url}${prefix}`, ...options });
  const { items, error } = await collectUntilError(readSource(source, testContext()));
  const context = { origin: { provider: source.name }, params: {} };
  const documents = recordValues(items);
  const out = documents.flatMap((document) => {
    const drafts = ecb.transform(document, context);
    return drafts === null || drafts === undefined ? [] : Array.isArray(drafts) ? drafts : [drafts];
  });
  return { records: out, documents, error, sent: server.requests.at(-1)?.url };
}

describe('connectors.ecb', () => {
  it('the daily file: every rate of ecb_eurofxref-daily_2025-05-09.xml, dated by its Cube, valid for fx_rates', async () => {
    const { records: out, error, sent, documents } = await collect({});
    assert.equal(error, undefined);
    assert.equal(sent, '/stats/eurofxref/eurofxref-daily.xml');
    assert.equal(documents.length, 1, 'the file is read as one document');
    assert.deepEqual(out, DAILY);
    for (const record of out) ecb.schema.parse(record);
  });

  it('the 90-day file (derived): oldest day first, each day with the currencies it has', async () => {
    const { records: out, error, sent } = await collect({ file: 'hist-90d' });
    assert.equal(error, undefined);
    assert.equal(sent, '/stats/eurofxref/eurofxref-hist-90d.xml');
    assert.deepEqual(out, [
      ...records('2025-05-07', 'USD 1.1357, GBP 0.85080'),
      ...records('2025-05-08', 'USD 1.1283, JPY 164.01, GBP 0.84950'),
      ...DAILY,
    ]);
  });

  it('the full history (derived): a currency that goes (HRK) is absent from later days, not null', async () => {
    const { records: out, sent } = await collect({ file: 'hist' });
    assert.equal(sent, '/stats/eurofxref/eurofxref-hist.xml');
    assert.deepEqual(out, [
      ...records('2022-12-30', 'USD 1.0666, HRK 7.5365, GBP 0.88693'),
      ...records('2023-01-02', 'USD 1.0683, GBP 0.88520'),
    ]);
  });

  it('a single child: one day holding one rate, and a history of one day', async () => {
    const one = await collect({}, '/one-rate');
    assert.equal(one.error, undefined);
    assert.deepEqual(one.records, [{ date: '2025-05-09', base: 'EUR', quote: 'USD', rate: 1.1252 }]);
    const day = await collect({ file: 'hist-90d' }, '/one-day');
    assert.deepEqual(day.records, records('2025-05-09', 'USD 1.1252, JPY 163.36'));
  });

  it('an empty Cube: no records and no error', async () => {
    const { records: out, error, documents } = await collect({}, '/no-day');
    assert.equal(error, undefined);
    assert.equal(documents.length, 1);
    assert.deepEqual(out, []);
  });

  it('a rate that is not a number yields a record the schema rejects with its day and currency', async () => {
    const { records: out } = await collect({}, '/bad-rate');
    assert.equal(out.length, 2);
    const bad = out[1]!;
    assert.deepEqual(
      { ...bad, rate: String(bad.rate) },
      { date: '2025-05-09', base: 'EUR', quote: 'JPY', rate: 'NaN' },
    );
    assert.equal(ecb.schema.safeParse(out[0]).success, true);
    assert.equal(ecb.schema.safeParse(bad).success, false);
  });

  it('symbols keep only those currencies of the file', () => {
    const document = {
      'gesmes:Envelope': {
        Cube: {
          Cube: {
            time: '2025-05-09',
            Cube: [
              { currency: 'USD', rate: '1.1252' },
              { currency: 'JPY', rate: '163.36' },
              { currency: 'GBP', rate: '0.84770' },
            ],
          },
        },
      },
    };
    const transform = ecb.pipeline('ecb_rates', { symbols: ['GBP', 'USD'] }).transform!;
    assert.deepEqual(transform(document, { origin: { provider: 'ecb' }, params: {} }), [
      { date: '2025-05-09', base: 'EUR', quote: 'USD', rate: 1.1252 },
      { date: '2025-05-09', base: 'EUR', quote: 'GBP', rate: 0.8477 },
    ]);
  });

  it('a 503 fails the call as retryable; XML that is not a rate envelope and HTML pages are refused', async () => {
    const down = await collect({}, '/down');
    assert.ok(down.error instanceof SourceError);
    assert.equal(down.error.code, 'upstream_http_error');
    assert.equal(down.error.status, 503);
    assert.equal(down.error.retryable, true);
    const portal = await collect({}, '/portal');
    assert.ok(portal.error instanceof SourceError);
    assert.equal(portal.error.code, 'upstream_error_body');
    assert.match(
      portal.error.message,
      /the response is an error, not data: the answer is not the ECB's reference rates \(no gesmes:Envelope, root <error>\)$/,
    );
    assert.deepEqual(portal.records, []);
    const html = await collect({}, '/html');
    assert.ok(html.error instanceof SourceError);
    assert.equal(html.error.code, 'source_format_error');
  });

  it('declares its policies and refuses what it cannot send', () => {
    const source = ecb.source();
    assert.equal(source.urlSource, 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml');
    assert.equal(source.name, 'ecb');
    assert.equal(source.format, 'xml');
    assert.equal(source.timeoutMs, 10_000);
    assert.deepEqual(source.resilience, {
      retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
      rateLimit: { requests: 2, per: '1s' },
      concurrency: undefined,
      breaker: { threshold: 5, cooldownS: 60 },
    });
    const full = ecb.source({ file: 'hist' });
    assert.equal(full.urlSource, 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.xml');
    assert.deepEqual([full.timeoutMs, full.maxBytes], [60_000, 64 * 1024 * 1024]);
    assert.throws(
      () => ecb.source({ file: 'weekly' as never }),
      /file "weekly" must be 'daily', 'hist-90d' or 'hist'/,
    );
    assert.throws(() => ecb.source({ symbols: ['usd'] }), ConfigError);
  });
});

describe('xmlRows', () => {
  it('flattens the recorded daily file with its parent context, without namespace declarations', async () => {
    const { documents } = await collect({});
    const rows = xmlRows(documents[0], ecb.ratesPath);
    assert.equal(rows.length, 30);
    assert.deepEqual(rows[0], {
      'gesmes:subject': 'Reference rates',
      time: '2025-05-09',
      currency: 'USD',
      rate: '1.1252',
    });
  });

  it('takes a single child like a repeated one, keeps the nearest of a name, and text as #text', () => {
    const single = { a: { b: { id: '1', kind: 'p', c: { id: '2', v: 'x' } } } };
    assert.deepEqual(xmlRows(single, 'a.b.c'), [{ id: '2', kind: 'p', v: 'x' }]);
    assert.deepEqual(xmlRows(single, 'a.*.c'), [{ id: '2', kind: 'p', v: 'x' }]);
    const repeated = {
      a: {
        b: [
          { id: '1', c: ['t1', 't2'] },
          { id: '2', c: 't3' },
        ],
      },
    };
    assert.deepEqual(xmlRows(repeated, 'a.b.c'), [
      { id: '1', '#text': 't1' },
      { id: '1', '#text': 't2' },
      { id: '2', '#text': 't3' },
    ]);
    assert.deepEqual(xmlRows(repeated, 'a.missing'), []);
    assert.deepEqual(xmlRows('not a document', 'a'), []);
  });
});

for (const backend of backends) {
  describe(`connectors.ecb end to end on ${backend.kind}`, { skip: backend.skip }, () => {
    it('one run stores the daily file in fx_rates and a second changes nothing', async () => {
      const { db, close } = await backend.open();
      try {
        await migrate(db);
        await db.transaction((tx) => ensureDatasetTables(tx, [ecb.dataset]));
        const config = defineConfig({
          datasets: [ecb.dataset],
          pipelines: [ecb.pipeline('ecb_rates', { baseUrl: `${server.url}/stats/eurofxref` })],
        });
        const ports = {
          readSource,
          writerFor: () => createDatasetWriter(db, 'public', ecb.dataset),
          runs: createRunStore(db),
          quarantine: createQuarantineStore(db),
          clock: { now: () => new Date() },
          logger: quietLogger,
          newRunId: randomUUID,
        };
        const pipeline = config.pipelines.get('ecb_rates')!;
        const first = await collectPipeline(ports, pipeline, { trigger: 'test', baseDir: '.' });
        assert.equal(first.status, 'succeeded', JSON.stringify(first.errors));
        assert.equal(first.counts.inserted, 30);
        assert.equal(first.provider, 'ecb');
        const { rows } = await db.query<EcbRate & { _provider: string }>(
          'SELECT date::text AS date, base, quote, rate, _provider FROM public.fx_rates ORDER BY quote',
        );
        assert.deepEqual(
          rows.map(({ _provider, ...row }) => ({ ...row, rate: Number(row.rate) })),
          [...DAILY].sort((a, b) => a.quote.localeCompare(b.quote)),
        );
        assert.ok(rows.every((row) => row._provider === 'ecb'));
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

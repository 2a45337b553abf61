// connectors.erapi on the recorded open.er-api.com answer, replayed from 127.0.0.1: the request, the
// exact records, its `result: "error"` bodies (with 200 and 404), an empty answer, one run end to end.
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
import { ConfigError, connectors, type ErapiOptions, type ErapiRate } from '../../src/index.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';

const { erapi } = connectors;
// No keep-alive: a socket the server closes while PGlite's migrations hold the event loop would be
// reused and reset (ECONNRESET) by the next run's request.
const JSON_TYPE = { 'content-type': 'application/json', connection: 'close' };
const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLogger };

/** `"AED 3.6725, AFN 71.016252"` → records of that day and base, in that order. */
function rates(date: string, base: string, table: string): ErapiRate[] {
  return table.split(', ').map((cell) => {
    const [quote, rate] = cell.split(' ') as [string, string];
    return { date, base, quote, rate: Number(rate) };
  });
}

// erapi_v6_latest_USD.json as it stands, typed out here, without its "USD":1 (the base's own).
// time_last_update_unix 1724025751 is 2024-08-19T00:02:31Z.
const LATEST_USD = rates(
  '2024-08-19',
  'USD',
  'AED 3.6725, AFN 71.016252, ALL 90.546764, AMD 388.108035, ANG 1.79, AOA 896.224421, ' +
    'ARS 944, AUD 1.500276, AWG 1.79, AZN 1.700134, BAM 1.774989, BBD 2, BDT 117.540636, ' +
    'BGN 1.775043, BHD 0.376, BIF 2881.348943, BMD 1, BND 1.316504, BOB 6.930177, BRL 5.472157, ' +
    'BSD 1, BTN 83.920117, BWP 13.400365, BYN 3.264038, BZD 2, CAD 1.368645, CDF 2850.844721, ' +
    'CHF 0.867267, CLP 936.549977, CNY 7.165629, COP 4017.47619, CRC 520.078062, CUP 24, ' +
    'CVE 100.06963, CZK 22.866531, DJF 177.721, DKK 6.769635, DOP 59.828471, DZD 134.353208, ' +
    'EGP 48.838355, ERN 15, ETB 109.541281, EUR 0.907539, FJD 2.234295, FKP 0.773355, ' +
    'FOK 6.769766, GBP 0.773358, GEL 2.686386, GGP 0.773355, GHS 15.611113, GIP 0.773355, ' +
    'GMD 70.421657, GNF 8704.905422, GTQ 7.750961, GYD 209.309134, HKD 7.79508, HNL 24.831503, ' +
    'HRK 6.837842, HTG 131.717583, HUF 358.428746, IDR 15688.05663, ILS 3.677988, IMP 0.773355, ' +
    'INR 83.920127, IQD 1310.696768, IRR 42069.27132, ISK 139.106032, JEP 0.773355, ' +
    'JMD 157.210066, JOD 0.709, JPY 148.042596, KES 128.979169, KGS 85.734152, KHR 4124.246671, ' +
    'KID 1.500269, KMF 446.479215, KRW 1350.003043, KWD 0.305712, KYD 0.833333, KZT 478.947251, ' +
    'LAK 22023.722412, LBP 89500, LKR 298.566193, LRD 195.260541, LSL 17.861494, LYD 4.792865, ' +
    'MAD 9.772076, MDL 17.582754, MGA 4577.467135, MKD 55.944868, MMK 2102.108564, ' +
    'MNT 3378.947165, MOP 8.028932, MRU 39.799971, MUR 46.314541, MVR 15.421968, ' +
    'MWK 1737.451325, MXN 18.63293, MYR 4.431477, MZN 63.913789, NAD 17.861494, NGN 1589.504939, ' +
    'NIO 36.850468, NOK 10.68785, NPR 134.272187, NZD 1.652117, OMR 0.384497, PAB 1, ' +
    'PEN 3.742677, PGK 3.887325, PHP 57.082917, PKR 278.486704, PLN 3.870604, PYG 7608.243841, ' +
    'QAR 3.64, RON 4.526961, RSD 106.443087, RUB 89.378323, RWF 1322.06323, SAR 3.75, ' +
    'SBD 8.505192, SCR 13.518586, SDG 458.739153, SEK 10.454472, SGD 1.316512, SHP 0.773355, ' +
    'SLE 22.451424, SLL 22451.423718, SOS 571.890189, SRD 28.893735, SSP 2683.857048, ' +
    'STN 22.23467, SYP 12860.52293, SZL 17.861494, THB 34.85934, TJS 10.605885, TMT 3.500532, ' +
    'TND 3.066811, TOP 2.338029, TRY 33.706931, TTD 6.79389, TVD 1.500269, TWD 32.092281, ' +
    'TZS 2702.2802, UAH 41.227988, UGX 3724.132235, UYU 40.421881, UZS 12707.572003, ' +
    'VES 36.6848, VND 25048.492735, VUV 118.243894, WST 2.729339, XAF 595.30562, XCD 2.7, ' +
    'XDR 0.748415, XOF 595.30562, XPF 108.298273, YER 250.319587, ZAR 17.860111, ZMW 26.375513, ' +
    'ZWL 13.7902',
);

// Not recorded (the fixtures README lists the error bodies as unverified): the v6 docs' shape.
const UNSUPPORTED = '{"result":"error","error-type":"unsupported-code"}';
const QUOTA = '{"result":"error","error-type":"quota-reached"}';

// Declared before any describe, so that every suite is registered before the first one ends.
const backends = await testBackends();
let server: FixtureServer;

before(async () => {
  server = await startFixtureServer({
    '/v6/latest/USD': { headers: JSON_TYPE, body: upstreamFixture('erapi_v6_latest_USD.json') },
    '/v6/latest/XYZ': { status: 404, headers: JSON_TYPE, body: UNSUPPORTED },
    '/as-200/v6/latest/XYZ': { headers: JSON_TYPE, body: UNSUPPORTED },
    '/quota/v6/latest/USD': { headers: JSON_TYPE, body: QUOTA },
    '/bare/v6/latest/USD': { headers: JSON_TYPE, body: '{"result":"error"}' },
    '/busy/v6/latest/USD': {
      status: 429,
      headers: { 'content-type': 'text/plain' },
      body: 'Too Many Requests',
    },
    // Not recorded: an answer holding only the base's own rate.
    '/empty/v6/latest/USD': {
      headers: JSON_TYPE,
      body: '{"result":"success","time_last_update_unix":1724025751,"base_code":"USD","rates":{"USD":1}}',
    },
  });
});
after(() => server.close());

async function collect(options: ErapiOptions, prefix = '') {
  const source = erapi.source({ baseUrl: `${server.url}${prefix}/v6`, ...options });
  const { items, error } = await collectUntilError(readSource(source, testContext()));
  const context = { origin: { provider: source.name }, params: {} };
  const records = recordValues(items).flatMap((document) => {
    const out = erapi.transform(document, context);
    return out === null || out === undefined ? [] : Array.isArray(out) ? out : [out];
  });
  return { records, error, sent: server.requests.at(-1)?.url };
}

describe('connectors.erapi', () => {
  it('latest USD: every rate of erapi_v6_latest_USD.json but USD→USD, dated by its last update', async () => {
    const { records, error, sent } = await collect({});
    assert.equal(error, undefined);
    assert.equal(sent, '/v6/latest/USD');
    assert.equal(records.length, 161);
    assert.deepEqual(records, LATEST_USD);
    for (const record of records) erapi.schema.parse(record);
  });

  it('symbols keep only those currencies (the API sends them all)', async () => {
    const { records } = await collect({});
    const transform = erapi.pipeline('usd_rates', { symbols: ['GBP', 'EUR'] }).transform!;
    const document = JSON.parse(upstreamFixture('erapi_v6_latest_USD.json').toString('utf8'));
    assert.equal(records.length, 161);
    assert.deepEqual(transform(document, { origin: { provider: 'erapi' }, params: {} }), [
      { date: '2024-08-19', base: 'USD', quote: 'EUR', rate: 0.907539 },
      { date: '2024-08-19', base: 'USD', quote: 'GBP', rate: 0.773358 },
    ]);
  });

  it('an answer holding only the base: no records, no error', async () => {
    const { records, error, sent } = await collect({}, '/empty');
    assert.equal(error, undefined);
    assert.equal(sent, '/empty/v6/latest/USD');
    assert.deepEqual(records, []);
  });

  it('result "error" with HTTP 200 fails with its error-type, not retried', async () => {
    for (const [prefix, base, reason] of [
      ['/as-200', 'XYZ', 'unsupported-code'],
      ['/quota', 'USD', 'quota-reached'],
      ['/bare', 'USD', 'result "error" without an error-type'],
    ] as const) {
      const { records, error, sent } = await collect({ base }, prefix);
      assert.equal(sent, `${prefix}/v6/latest/${base}`);
      assert.deepEqual(records, []);
      assert.ok(error instanceof SourceError, prefix);
      assert.equal(error.code, 'upstream_error_body');
      assert.equal(error.retryable, false);
      assert.ok(error.message.endsWith(`the response is an error, not data: ${reason}`), error.message);
    }
  });

  it('the same body with a 404 fails as an HTTP error quoting it; a 429 is retryable', async () => {
    const unknown = await collect({ base: 'XYZ' });
    assert.ok(unknown.error instanceof SourceError);
    assert.equal(unknown.error.code, 'upstream_http_error');
    assert.equal(unknown.error.status, 404);
    assert.equal(unknown.error.retryable, false);
    assert.match(unknown.error.message, /answered HTTP 404: .*"error-type":"unsupported-code"/);
    const busy = await collect({}, '/busy');
    assert.ok(busy.error instanceof SourceError);
    assert.equal(busy.error.status, 429);
    assert.equal(busy.error.retryable, true);
  });

  it('declares its policies and refuses what it cannot send', () => {
    const source = erapi.source();
    assert.equal(source.urlSource, 'https://open.er-api.com/v6/latest/USD');
    assert.equal(source.name, 'erapi');
    assert.equal(source.timeoutMs, 10_000);
    assert.deepEqual(source.resilience, {
      retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
      rateLimit: { requests: 1, per: '1m' },
      concurrency: undefined,
      breaker: { threshold: 3, cooldownS: 300 },
    });
    assert.equal(erapi.source({ base: 'EUR' }).urlSource, 'https://open.er-api.com/v6/latest/EUR');
    assert.throws(() => erapi.source({ base: 'usd' }), ConfigError);
    assert.throws(() => erapi.source({ symbols: ['EURO'] }), /"EURO" must be three capital letters/);
  });
});

for (const backend of backends) {
  describe(`connectors.erapi end to end on ${backend.kind}`, { skip: backend.skip }, () => {
    it('one run stores the USD answer in fx_rates and a second changes nothing', async () => {
      const { db, close } = await backend.open();
      try {
        await migrate(db);
        await db.transaction((tx) => ensureDatasetTables(tx, [erapi.dataset]));
        const config = defineConfig({
          datasets: [erapi.dataset],
          pipelines: [erapi.pipeline('usd_rates', { baseUrl: `${server.url}/v6` })],
        });
        const ports = {
          readSource,
          writerFor: () => createDatasetWriter(db, 'public', erapi.dataset),
          runs: createRunStore(db),
          quarantine: createQuarantineStore(db),
          clock: { now: () => new Date() },
          logger: quietLogger,
          newRunId: randomUUID,
        };
        const pipeline = config.pipelines.get('usd_rates')!;
        const first = await collectPipeline(ports, pipeline, { trigger: 'test', baseDir: '.' });
        assert.equal(first.status, 'succeeded', JSON.stringify(first.errors));
        assert.equal(first.counts.inserted, 161);
        assert.equal(first.provider, 'erapi');
        const { rows } = await db.query<ErapiRate & { _provider: string }>(
          "SELECT date::text AS date, base, quote, rate, _provider FROM public.fx_rates WHERE quote IN ('EUR', 'BBD', 'IDR') ORDER BY quote",
        );
        assert.deepEqual(
          rows.map((row) => ({ ...row, rate: Number(row.rate) })),
          [
            { date: '2024-08-19', base: 'USD', quote: 'BBD', rate: 2, _provider: 'erapi' },
            { date: '2024-08-19', base: 'USD', quote: 'EUR', rate: 0.907539, _provider: 'erapi' },
            { date: '2024-08-19', base: 'USD', quote: 'IDR', rate: 15688.05663, _provider: 'erapi' },
          ],
        );
        const second = await collectPipeline(ports, pipeline, { trigger: 'test', baseDir: '.' });
        assert.deepEqual(
          [second.counts.inserted, second.counts.updated, second.counts.unchanged],
          [0, 0, 161],
        );
      } finally {
        await close();
      }
    });
  });
}

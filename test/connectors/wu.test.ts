// connectors.wu on the recorded Weather Underground PWS observation, replayed from 127.0.0.1: the
// request it sends, the exact observations, its refusals, and one run end to end into
// station_observations on each backend.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../src/domain/errors.ts';
import { ConfigError, connectors, type Observation, secret, type WuOptions } from '../../src/index.ts';
import { collectRecords, runTwice } from '../support/connector-harness.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';

const { wu } = connectors;
const JSON_TYPE = { 'content-type': 'application/json' };
const FILE = 'wu_pws_observations_current_IHERNE113_metric.json';
const recorded = JSON.parse(upstreamFixture(FILE).toString('utf8')) as {
  observations: Array<Record<string, unknown>>;
};

/** `"temperature 9 °C, …"` → observations of IHERNE113 at the recorded instant. */
function observations(time: string, table: string): Observation[] {
  return table.split(', ').map((cell) => {
    const [variable, value, unit] = cell.split(' ') as [Observation['variable'], string, string];
    return { network: 'wu', station: 'IHERNE113', time, variable, value: Number(value), unit };
  });
}

// Typed out from the fixture file: `metric` first, then the unit-free top-level fields.
const RECORDED = observations(
  '2020-01-14T12:46:10.000Z',
  'temperature 9 °C, dew_point 7 °C, heat_index 9 °C, wind_chill 6 °C, wind_speed 22 km/h, wind_gust 31 km/h, ' +
    'pressure 1004.44 hPa, precipitation_rate 0 mm/h, precipitation_today 0.51 mm, humidity 86 %, ' +
    'wind_direction 231 °, solar_radiation 58.1 W/m², uv_index 0 index',
);

const answer = (body: object, status = 200) => ({ status, headers: JSON_TYPE, body: JSON.stringify(body) });
// Not recorded: the error envelope of weather.com's v2/v3 APIs (unverified for PWS).
const INVALID_KEY = {
  metadata: { transaction_id: 'x' },
  success: false,
  errors: [{ error: { code: 'CDN-0001', message: 'Invalid apiKey.' } }],
};
const [observation] = recorded.observations;

let server: FixtureServer;

// The key as users give it, a secret read from the environment: it is sent, and kept out of messages.
process.env.WU_TEST_API_KEY = 'test-key';
const REQUEST = { station: 'IHERNE113', apiKey: secret('WU_TEST_API_KEY') } satisfies WuOptions;

async function collect(options: WuOptions, prefix = '') {
  const source = wu.source({ ...options, baseUrl: `${server.url}${prefix}/v2/pws` });
  const { records, error } = await collectRecords(source, wu.transform);
  return { records: records as Observation[], error, sent: server.requests.at(-1)?.url };
}

const backends = await testBackends();

// One suite around every other, so the fixture server outlives the end-to-end suites that run beside the rest.
describe('connectors.wu on 127.0.0.1', () => {
  before(async () => {
    server = await startFixtureServer({
      '/v2/pws/observations/current': { headers: JSON_TYPE, body: upstreamFixture(FILE) },
      '/401/v2/pws/observations/current': answer(INVALID_KEY, 401),
      '/401-as-200/v2/pws/observations/current': answer(INVALID_KEY),
      // Reported for a station without recent data (no recording).
      '/empty/v2/pws/observations/current': answer({ observations: [] }),
      // Derived from the recording: the same observation as `units=e` sends it, `imperial` instead of `metric`.
      '/imperial/v2/pws/observations/current': answer({
        observations: [{ ...observation, metric: undefined, imperial: { temp: 48 } }],
      }),
      // Derived: the recording with a sensor the station lacks (null) and a value that is no number.
      '/gaps/v2/pws/observations/current': answer({
        observations: [
          {
            ...observation,
            uv: null,
            solarRadiation: null,
            metric: { ...(observation?.metric as object), temp: '9,0' },
          },
        ],
      }),
    });
  });
  after(() => server.close());

  describe('connectors.wu', () => {
    it('the current observation of IHERNE113: one record per measured value, at obsTimeUtc', async () => {
      const { records, error, sent } = await collect(REQUEST);
      assert.equal(error, undefined);
      assert.equal(
        sent,
        '/v2/pws/observations/current?stationId=IHERNE113&format=json&units=m&numericPrecision=decimal&apiKey=test-key',
      );
      assert.deepEqual(records, RECORDED);
      for (const record of records) wu.schema.parse(record);
    });

    it('a null sensor is no record; a value that is no number is kept for the schema to refuse', async () => {
      const { records } = await collect(REQUEST, '/gaps');
      assert.equal(records.length, RECORDED.length - 2);
      assert.equal(records[0]?.value as unknown, '9,0');
      assert.equal(wu.schema.safeParse(records[0]).success, false);
      assert.ok(
        !records.some((record) => record.variable === 'uv_index' || record.variable === 'solar_radiation'),
      );
    });

    it('no observations is zero records, not an error', async () => {
      const { records, error } = await collect(REQUEST, '/empty');
      assert.equal(error, undefined);
      assert.deepEqual(records, []);
    });

    it('an observation without its metric block fails the read instead of storing nothing', async () => {
      const { records, error } = await collect(REQUEST, '/imperial');
      assert.deepEqual(records, []);
      assert.ok(error instanceof SourceError);
      assert.equal(error.code, 'upstream_error_body');
      assert.match(error.message, /an observation without its metric block/);
    });

    it('a refused key: the 401 fails with its body, the same body with 200 with its code and message', async () => {
      const refused = await collect(REQUEST, '/401');
      assert.ok(refused.error instanceof SourceError);
      assert.equal(refused.error.code, 'upstream_http_error');
      assert.equal(refused.error.status, 401);
      assert.match(refused.error.message, /answered HTTP 401: .*Invalid apiKey/);
      assert.doesNotMatch(refused.error.message, /test-key/);
      const as200 = await collect(REQUEST, '/401-as-200');
      assert.ok(as200.error instanceof SourceError);
      assert.equal(as200.error.code, 'upstream_error_body');
      assert.match(as200.error.message, /the response is an error, not data: CDN-0001 Invalid apiKey\.$/);
    });

    it('declares its policies, keeps the key a secret by default, and refuses what it cannot send', () => {
      const source = wu.source({ station: 'IHERNE113' });
      assert.equal(source.urlSource, 'https://api.weather.com/v2/pws/observations/current');
      assert.equal(source.name, 'wu');
      assert.deepEqual(Object.fromEntries(source.query).apiKey, { kind: 'secret', env: 'WU_API_KEY' });
      assert.deepEqual(source.resilience, {
        retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
        rateLimit: { requests: 30, per: '1m' },
        concurrency: undefined,
        breaker: { threshold: 5, cooldownS: 120 },
      });
      assert.throws(() => wu.source({ station: 'I HERNE' }), ConfigError);
      assert.doesNotThrow(() => wu.source({ station: '{{key}}' }));
    });
  });

  for (const backend of backends) {
    describe(`connectors.wu end to end on ${backend.kind}`, { skip: backend.skip }, () => {
      it('one run stores the observation in station_observations and a second changes nothing', async () => {
        const pipeline = wu.pipeline('herne', { ...REQUEST, baseUrl: `${server.url}/v2/pws` });
        await runTwice(backend, wu.dataset, pipeline, async (db, first, second) => {
          assert.equal(first.status, 'succeeded', JSON.stringify(first.errors));
          assert.equal(first.counts.inserted, RECORDED.length);
          assert.deepEqual(
            [second.counts.inserted, second.counts.updated, second.counts.unchanged],
            [0, 0, RECORDED.length],
          );
          const { rows } = await db.query<{ variable: string; value: number; unit: string; epoch: number }>(
            `SELECT variable, value, unit, extract(epoch FROM time)::float8 AS epoch
             FROM public.station_observations WHERE network = 'wu' AND station = 'IHERNE113'
            ORDER BY variable COLLATE "C"`,
          );
          assert.deepEqual(
            rows.map((r) => [r.variable, Number(r.value), r.unit, Number(r.epoch)]),
            [...RECORDED]
              .sort((a, b) => (a.variable < b.variable ? -1 : 1))
              .map((r) => [r.variable, r.value, r.unit, 1579005970]),
          );
        });
      });
    });
  }
});

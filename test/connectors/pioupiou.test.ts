// connectors.pioupiou on the documented live answer of beacon 110, replayed from 127.0.0.1: the
// request it sends, the exact observations, its refusals, and one run end to end into
// station_observations on each backend.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../src/domain/errors.ts';
import { ConfigError, connectors, type Observation, type PioupiouOptions } from '../../src/index.ts';
import { collectRecords, runTwice } from '../support/connector-harness.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';

const { pioupiou } = connectors;
const JSON_TYPE = { 'content-type': 'application/json' };
const FILE = 'pioupiou_v1_live_110_DOC-EXAMPLE.json';
const recorded = JSON.parse(upstreamFixture(FILE).toString('utf8')) as { data: Record<string, unknown> };

const beacon = (station: string, time: string, [avg, min, max, heading]: number[]): Observation[] => [
  { network: 'pioupiou', station, time, variable: 'wind_speed', value: avg!, unit: 'km/h' },
  { network: 'pioupiou', station, time, variable: 'wind_speed_min', value: min!, unit: 'km/h' },
  { network: 'pioupiou', station, time, variable: 'wind_gust', value: max!, unit: 'km/h' },
  { network: 'pioupiou', station, time, variable: 'wind_direction', value: heading!, unit: '°' },
];
// Typed out from the fixture file: avg 14, min 7, max 22.5 km/h, heading 292.5°; pressure null.
const BEACON_110 = beacon('110', '2015-08-17T22:07:27.000Z', [14, 7, 22.5, 292.5]);

const answer = (body: object) => ({ headers: JSON_TYPE, body: JSON.stringify(body) });

let server: FixtureServer;

async function collect(options: PioupiouOptions) {
  const source = pioupiou.source({ ...options, baseUrl: `${server.url}/v1` });
  const { records, error } = await collectRecords(source, pioupiou.transform);
  return { records: records as Observation[], error, sent: server.requests.at(-1)?.url };
}

const backends = await testBackends();

// One suite around every other, so the fixture server outlives the end-to-end suites that run beside the rest.
describe('connectors.pioupiou on 127.0.0.1', () => {
  before(async () => {
    server = await startFixtureServer({
      '/v1/live/110': { headers: JSON_TYPE, body: upstreamFixture(FILE) },
      // Derived from the documented answer: `all` sends an array; a second beacon, off, with a barometer.
      '/v1/live/all': answer({
        ...recorded,
        data: [
          recorded.data,
          {
            ...recorded.data,
            id: 111,
            measurements: { ...(recorded.data.measurements as object), pressure: 1012.5, wind_speed_avg: 3 },
            status: { date: '2015-08-17T22:07:27.000Z', snr: 0, state: 'off' },
          },
        ],
      }),
      // Not recorded (Pioupiou documents no error body).
      '/v1/live/9999': answer({ error: 'station not found' }),
      '/v1/live/0': answer({ doc: 'x', data: [] }),
    });
  });
  after(() => server.close());

  describe('connectors.pioupiou', () => {
    it('beacon 110: its last measurements at measurements.date, a null pressure is no record', async () => {
      const { records, error, sent } = await collect({ station: 110 });
      assert.equal(error, undefined);
      assert.equal(sent, '/v1/live/110');
      assert.deepEqual(records, BEACON_110);
      for (const record of records) pioupiou.schema.parse(record);
    });

    it("'all' gives every beacon, an off beacon's last measurements included", async () => {
      const { records, sent } = await collect({ station: 'all' });
      assert.equal(sent, '/v1/live/all');
      assert.deepEqual(records, [
        ...BEACON_110,
        ...beacon('111', '2015-08-17T22:07:27.000Z', [3, 7, 22.5, 292.5]),
        {
          network: 'pioupiou',
          station: '111',
          time: '2015-08-17T22:07:27.000Z',
          variable: 'pressure',
          value: 1012.5,
          unit: 'hPa',
        },
      ]);
    });

    it('no beacon is zero records; an answer without data fails with what it says', async () => {
      const empty = await collect({ station: 0 });
      assert.equal(empty.error, undefined);
      assert.deepEqual(empty.records, []);
      const missing = await collect({ station: 9999 });
      assert.deepEqual(missing.records, []);
      assert.ok(missing.error instanceof SourceError);
      assert.equal(missing.error.code, 'upstream_error_body');
      assert.match(missing.error.message, /the response is an error, not data: station not found$/);
    });

    it('declares its policies and refuses what it cannot send', () => {
      const source = pioupiou.source({ station: 110 });
      assert.equal(source.urlSource, 'http://api.pioupiou.fr/v1/live/110');
      assert.equal(source.name, 'pioupiou');
      assert.deepEqual(source.resilience, {
        retry: { attempts: 2, baseDelayMs: 2_000, maxDelayMs: 10_000 },
        rateLimit: { requests: 1, per: '1m' },
        concurrency: undefined,
        breaker: { threshold: 3, cooldownS: 300 },
      });
      assert.equal(pioupiou.source({ station: 110, name: 'pioupiou-110' }).name, 'pioupiou-110');
      assert.throws(() => pioupiou.source({ station: 'beacon-110' }), ConfigError);
      assert.doesNotThrow(() => pioupiou.source({ station: '{{key}}' }));
    });
  });

  for (const backend of backends) {
    describe(`connectors.pioupiou end to end on ${backend.kind}`, { skip: backend.skip }, () => {
      it('one run stores beacon 110 in station_observations and a second changes nothing', async () => {
        const pipeline = pioupiou.pipeline('beacon_110', { station: 110, baseUrl: `${server.url}/v1` });
        await runTwice(backend, pioupiou.dataset, pipeline, async (db, first, second) => {
          assert.equal(first.status, 'succeeded', JSON.stringify(first.errors));
          assert.equal(first.counts.inserted, 4);
          assert.deepEqual(
            [second.counts.inserted, second.counts.updated, second.counts.unchanged],
            [0, 0, 4],
          );
          const { rows } = await db.query<{ variable: string; value: number; _provider: string }>(
            `SELECT variable, value, _provider FROM public.station_observations
            WHERE network = 'pioupiou' AND station = '110' ORDER BY variable COLLATE "C"`,
          );
          assert.deepEqual(
            rows.map((r) => [r.variable, Number(r.value), r._provider]),
            [
              ['wind_direction', 292.5, 'pioupiou'],
              ['wind_gust', 22.5, 'pioupiou'],
              ['wind_speed', 14, 'pioupiou'],
              ['wind_speed_min', 7, 'pioupiou'],
            ],
          );
        });
      });
    });
  }
});

// connectors.infoclimat on the recorded Infoclimat open-data export, replayed from 127.0.0.1: the
// request it sends, the exact observations, its refusals, and one run end to end into
// station_observations on each backend.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../src/domain/errors.ts';
import { ConfigError, connectors, type InfoclimatOptions, type Observation } from '../../src/index.ts';
import { collectRecords, runTwice } from '../support/connector-harness.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';

const { infoclimat } = connectors;
const JSON_TYPE = { 'content-type': 'application/json' };
const FILE = 'infoclimat_opendata_4stations_2024-10-05_truncated.json';
const STATIONS = ['07015', '00052', '000R5', 'STATIC0010'];

/** `"temperature 7.6 °C, …"` → Infoclimat observations of one station and instant. */
function row(station: string, time: string, table: string): Observation[] {
  return table.split(', ').map((cell) => {
    const [variable, value, unit] = cell.split(' ') as [Observation['variable'], string, string];
    return { network: 'infoclimat', station, time, variable, value: Number(value), unit };
  });
}

// Each station's first row, typed out from the fixture file (null and "" cells give no record).
const FIRST_ROWS = [
  ...row(
    '07015',
    '2024-10-05T00:00:00.000Z',
    'temperature 7.6 °C, dew_point 5.9 °C, humidity 89 %, pressure 1020.7 hPa, wind_speed 3.6 km/h, ' +
      'wind_gust 7.2 km/h, wind_direction 90 °, precipitation_1h 0 mm, precipitation_3h 0 mm, visibility 6000 m',
  ),
  ...row(
    '00052',
    '2024-10-05T00:00:00.000Z',
    'temperature 6.4 °C, dew_point 5.6 °C, humidity 95 %, pressure 1019.1 hPa, wind_speed 0 km/h, ' +
      'wind_direction 134 °, precipitation_1h 0 mm',
  ),
  ...row(
    '000R5',
    '2024-10-05T00:00:00.000Z',
    'temperature 8.4 °C, dew_point 6.2 °C, humidity 86 %, pressure 1019.3 hPa, wind_speed 1.4 km/h, ' +
      'wind_direction 113 °, precipitation_1h 0 mm, precipitation_3h 0 mm',
  ),
  ...row(
    'STATIC0010',
    '2024-10-05T00:00:00.000Z',
    'temperature 4.7 °C, dew_point 4.2 °C, humidity 97 %, pressure 1020.6 hPa, wind_speed 0 km/h, ' +
      'wind_direction 0 °, precipitation_1h 0 mm',
  ),
];
// 07015's last row (2024-10-06 23:00 UTC): nebulosite "7" is a cloud cover in oktas.
const LAST_ROW = row(
  '07015',
  '2024-10-06T23:00:00.000Z',
  'temperature 15.8 °C, dew_point 15 °C, humidity 95 %, pressure 999.4 hPa, wind_speed 25.2 km/h, ' +
    'wind_gust 36 km/h, wind_direction 180 °, precipitation_1h 0.2 mm, visibility 30000 m, cloud_cover 7 okta',
);
// Per variable, counted and added up exactly (decimal) from the fixture file.
const COUNTS = {
  temperature: 192,
  dew_point: 192,
  humidity: 192,
  pressure: 192,
  wind_speed: 192,
  wind_gust: 48,
  wind_direction: 180,
  precipitation_1h: 72,
  precipitation_3h: 22,
  visibility: 48,
  cloud_cover: 21,
  present_weather: 9,
};
const SUMS = {
  temperature: 1293.7,
  dew_point: 1036.8,
  humidity: 17607,
  pressure: 195236.1,
  wind_speed: 677.5,
  wind_gust: 1098,
  wind_direction: 16400,
  precipitation_1h: 0.6,
  precipitation_3h: 0.4,
  visibility: 829000,
  cloud_cover: 161,
  present_weather: 278,
};

const answer = (body: object) => ({ headers: JSON_TYPE, body: JSON.stringify(body) });

let server: FixtureServer;

const REQUEST = {
  stations: STATIONS,
  start: '2024-10-05',
  end: '2024-10-07',
  token: 'test-token',
} satisfies InfoclimatOptions;

async function collect(options: InfoclimatOptions, prefix = '') {
  const source = infoclimat.source({ ...options, baseUrl: `${server.url}${prefix}/opendata/` });
  const { records, error } = await collectRecords(source, infoclimat.transform);
  const sent = new URL(server.requests.at(-1)?.url ?? '/', 'http://fixture');
  return { records: records as Observation[], error, sent };
}

const backends = await testBackends();

// One suite around every other, so the fixture server outlives the end-to-end suites that run beside the rest.
describe('connectors.infoclimat on 127.0.0.1', () => {
  before(async () => {
    server = await startFixtureServer({
      '/opendata/': { headers: JSON_TYPE, body: upstreamFixture(FILE) },
      // Not recorded (no Infoclimat error is): a refusal in the export's own envelope.
      '/refused/opendata/': answer({ status: 'KO', errors: ['token invalide'], data: [], hourly: {} }),
      // Not recorded: the envelope of the fixture with no rows for the stations asked.
      '/empty/opendata/': answer({
        status: 'OK',
        errors: [],
        data: [],
        stations: [],
        metadata: {},
        hourly: { _params: [] },
      }),
      // Derived from 07015's first row: a cell that is not a number.
      '/garbage/opendata/': answer({
        status: 'OK',
        errors: [],
        hourly: {
          '07015': [
            { id_station: '07015', dh_utc: '2024-10-05 00:00:00', temperature: 'n/a', humidite: '89' },
          ],
        },
      }),
    });
  });
  after(() => server.close());

  describe('connectors.infoclimat', () => {
    it('the 4-station export: every measured cell is one observation, UTC, in the shared units', async () => {
      const { records, error, sent } = await collect(REQUEST);
      assert.equal(error, undefined);
      assert.equal(sent.pathname, '/opendata/');
      assert.deepEqual(
        [...sent.searchParams],
        [
          ['version', '2'],
          ['method', 'get'],
          ['format', 'json'],
          ...STATIONS.map((station) => ['stations[]', station]),
          ['start', '2024-10-05'],
          ['end', '2024-10-07'],
          ['token', 'test-token'],
        ],
      );
      assert.equal(records.length, 1360);
      const firsts = STATIONS.flatMap((station) => {
        const ofStation = records.filter((record) => record.station === station);
        return ofStation.filter((record) => record.time === ofStation[0]?.time);
      });
      assert.deepEqual(firsts, FIRST_ROWS);
      assert.deepEqual(
        records.filter((record) => record.time === '2024-10-06T23:00:00.000Z'),
        LAST_ROW,
      );
      const counts: Record<string, number> = {};
      const sums: Record<string, number> = {};
      for (const { variable, value } of records) {
        counts[variable] = (counts[variable] ?? 0) + 1;
        sums[variable] = (sums[variable] ?? 0) + value;
      }
      for (const [variable, sum] of Object.entries(sums)) sums[variable] = Math.round(sum * 100) / 100;
      assert.deepEqual(counts, COUNTS);
      assert.deepEqual(sums, SUMS);
      // Static stations report every 10 minutes, 07015 (SYNOP) every hour.
      const times = (station: string) =>
        records.filter((r) => r.station === station && r.variable === 'temperature').map((r) => r.time);
      assert.deepEqual(times('00052').slice(0, 3), [
        '2024-10-05T00:00:00.000Z',
        '2024-10-05T00:10:00.000Z',
        '2024-10-05T00:20:00.000Z',
      ]);
      assert.equal(times('07015')[1], '2024-10-05T01:00:00.000Z');
      for (const record of records) infoclimat.schema.parse(record);
    });

    it("the shared units are those of the export's metadata block", () => {
      const metadata = (
        JSON.parse(upstreamFixture(FILE).toString('utf8')) as { metadata: Record<string, string> }
      ).metadata;
      const theirs = {
        degC: '°C',
        hPa: 'hPa',
        '%': '%',
        'km/h': 'km/h',
        deg: '°',
        mm: 'mm',
        cm: 'cm',
        m: 'm',
        octats: 'okta',
      } as Record<string, string>;
      const units = {
        temperature: '°C',
        dew_point: '°C',
        humidity: '%',
        pressure: 'hPa',
        wind_speed: 'km/h',
        wind_gust: 'km/h',
        wind_direction: '°',
        precipitation_1h: 'mm',
        precipitation_3h: 'mm',
        snow_depth: 'cm',
        visibility: 'm',
        cloud_cover: 'okta',
        present_weather: 'wmo code',
      } as Record<string, string>;
      for (const [field, variable] of Object.entries(infoclimat.fields)) {
        const unit = metadata[field]?.split(',').at(-1) ?? '';
        // temps_omm's "unit" is the URL of the WMO code table.
        const expected = field === 'temps_omm' ? 'wmo code' : theirs[unit];
        assert.equal(units[variable], expected, field);
      }
    });

    it('a cell that is not a number gives a record the schema refuses, not a null', async () => {
      const { records } = await collect(REQUEST, '/garbage');
      assert.equal(records.length, 2);
      assert.ok(Number.isNaN(records[0]?.value));
      assert.equal(infoclimat.schema.safeParse(records[0]).success, false);
      assert.deepEqual(records[1], {
        network: 'infoclimat',
        station: '07015',
        time: '2024-10-05T00:00:00.000Z',
        variable: 'humidity',
        value: 89,
        unit: '%',
      });
    });

    it('no rows for the stations asked is zero observations, not an error', async () => {
      const { records, error } = await collect(REQUEST, '/empty');
      assert.equal(error, undefined);
      assert.deepEqual(records, []);
    });

    it('a status other than OK fails the read with its errors', async () => {
      const { records, error } = await collect(REQUEST, '/refused');
      assert.deepEqual(records, []);
      assert.ok(error instanceof SourceError);
      assert.equal(error.code, 'upstream_error_body');
      assert.match(
        error.message,
        /the response is an error, not data: Infoclimat answered KO: \["token invalide"\]$/,
      );
    });

    it('declares its policies, keeps the token a secret by default, and refuses what it cannot send', () => {
      const source = infoclimat.source({ stations: ['07015'], start: '{{start_date}}', end: '{{end_date}}' });
      assert.equal(
        source.urlSource,
        'https://www.infoclimat.fr/opendata/?version=2&method=get&format=json&stations[]=07015',
      );
      assert.equal(source.name, 'infoclimat');
      assert.deepEqual(Object.fromEntries(source.query).token, {
        kind: 'secret',
        env: 'INFOCLIMAT_TOKEN',
      });
      assert.deepEqual(source.resilience, {
        retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
        rateLimit: { requests: 1, per: '1s' },
        concurrency: undefined,
        breaker: { threshold: 5, cooldownS: 120 },
      });
      assert.throws(() => infoclimat.source({ ...REQUEST, stations: [] }), ConfigError);
      assert.throws(() => infoclimat.source({ ...REQUEST, stations: ['07015&x=1'] }), /station "07015&x=1"/);
      assert.throws(
        () => infoclimat.source({ ...REQUEST, start: '05/10/2024' }),
        /start "05\/10\/2024" must be YYYY-MM-DD/,
      );
    });
  });

  for (const backend of backends) {
    describe(`connectors.infoclimat end to end on ${backend.kind}`, { skip: backend.skip }, () => {
      it('one run stores the export in station_observations and a second changes nothing', async () => {
        const pipeline = infoclimat.pipeline('nord_stations', {
          ...REQUEST,
          baseUrl: `${server.url}/opendata/`,
        });
        await runTwice(backend, infoclimat.dataset, pipeline, async (db, first, second) => {
          assert.equal(first.status, 'succeeded', JSON.stringify(first.errors));
          assert.equal(first.counts.inserted, 1360);
          assert.deepEqual(
            [second.counts.inserted, second.counts.updated, second.counts.unchanged],
            [0, 0, 1360],
          );
          const { rows } = await db.query<{ station: string; n: number; last: number }>(
            `SELECT station, count(*)::int AS n, extract(epoch FROM max(time))::float8 AS last
             FROM public.station_observations WHERE network = 'infoclimat' GROUP BY station ORDER BY station COLLATE "C"`,
          );
          assert.deepEqual(
            rows.map((r) => [r.station, Number(r.n), new Date(Number(r.last) * 1000).toISOString()]),
            [
              ['00052', 296, '2024-10-05T07:50:00.000Z'],
              ['000R5', 293, '2024-10-05T07:50:00.000Z'],
              ['07015', 476, '2024-10-06T23:00:00.000Z'],
              ['STATIC0010', 295, '2024-10-05T07:50:00.000Z'],
            ],
          );
        });
      });
    });
  }
});

// connectors.openMeteo on every recorded Open-Meteo response, replayed from 127.0.0.1, and on
// answers derived from the recorded one (documented where built): the request it sends, the exact
// records, the `_<model>` suffixes, UTC times across both DST changes, its error bodies, and one
// run end to end into weather_model_values on each backend.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SourceError } from '../../src/domain/errors.ts';
import {
  ConfigError,
  connectors,
  localTimeToUtc,
  type OpenMeteoOptions,
  type OpenMeteoValue,
} from '../../src/index.ts';
import { collectRecords, runTwice } from '../support/connector-harness.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';

const { openMeteo } = connectors;
const JSON_TYPE = { 'content-type': 'application/json' };
const HOUR_MS = 3_600_000;
const FORECAST_FILE = 'openmeteo_forecast_hourly_wind_berlin-tz.json';

interface RecordedForecast {
  latitude: number;
  longitude: number;
  utc_offset_seconds: number;
  timezone: string;
  hourly_units: Record<string, string>;
  hourly: Record<string, unknown[]>;
}
const recorded = JSON.parse(upstreamFixture(FORECAST_FILE).toString('utf8')) as RecordedForecast;
const VARIABLES = Object.keys(recorded.hourly_units).filter((key) => key !== 'time');

/** `"temperature_2m 3.2 °C, …"` → hourly best_match records of the recorded grid point at one instant. */
function hour(time: string, table: string): OpenMeteoValue[] {
  return table.split(', ').map((cell) => {
    const [variable, value, ...unit] = cell.split(' ') as [string, string, ...string[]];
    return {
      latitude: 50,
      longitude: 10,
      model: 'best_match',
      resolution: 'hourly',
      time,
      variable,
      value: Number(value),
      unit: unit.join(' '),
    };
  });
}

// Typed out from the fixture file: its first row (2026-03-02T00:00 on +01:00) and its last.
const FIRST_HOUR = hour(
  '2026-03-01T23:00:00.000Z',
  'temperature_2m 3.2 °C, relative_humidity_2m 89 %, precipitation 0 mm, rain 0 mm, showers 0 mm, ' +
    'snowfall 0 cm, weather_code 0 wmo code, cloud_cover 0 %, pressure_msl 1025.9 hPa, ' +
    'surface_pressure 989.8 hPa, wind_speed_10m 4.3 km/h, wind_direction_10m 95 °, wind_gusts_10m 8.3 km/h, ' +
    'shortwave_radiation 0 W/m², direct_radiation 0 W/m², diffuse_radiation 0 W/m², dew_point_2m 1.6 °C, ' +
    'apparent_temperature 0.7 °C, precipitation_probability 0 %, visibility 23940 m, sunshine_duration 0 s',
);
const LAST_HOUR = hour(
  '2026-03-04T22:00:00.000Z',
  'temperature_2m 6 °C, relative_humidity_2m 73 %, precipitation 0 mm, rain 0 mm, showers 0 mm, ' +
    'snowfall 0 cm, weather_code 0 wmo code, cloud_cover 0 %, pressure_msl 1025.9 hPa, ' +
    'surface_pressure 990.1 hPa, wind_speed_10m 2.8 km/h, wind_direction_10m 50 °, wind_gusts_10m 4 km/h, ' +
    'shortwave_radiation 0 W/m², direct_radiation 0 W/m², diffuse_radiation 0 W/m², dew_point_2m 1.5 °C, ' +
    'apparent_temperature 3.7 °C, precipitation_probability 0 %, visibility 37780 m, sunshine_duration 0 s',
);
// Sums of each variable's 72 values, added up exactly (decimal) from the fixture file.
const SUMS: Record<string, number> = {
  temperature_2m: 415.3,
  relative_humidity_2m: 5812,
  weather_code: 1110,
  cloud_cover: 2792,
  pressure_msl: 73904.5,
  surface_pressure: 71324.2,
  wind_speed_10m: 232.3,
  wind_direction_10m: 8299,
  wind_gusts_10m: 452.1,
  shortwave_radiation: 9487.3,
  direct_radiation: 6469.6,
  diffuse_radiation: 3018.3,
  dew_point_2m: 165.2,
  apparent_temperature: 255.7,
  visibility: 1680910,
  sunshine_duration: 88375.11,
  precipitation: 0,
  rain: 0,
  showers: 0,
  snowfall: 0,
  precipitation_probability: 0,
};

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Derived from the recorded answer: its location, units and first 24 values of each variable,
 * on one Berlin day written the way Open-Meteo writes times (the UTC hour plus the single
 * `utc_offset_seconds` of the moment of the request: 24 strings 00:00..23:00 whatever the zone
 * does that day). Not recorded: no fixture crosses a DST change.
 */
function derivedDay(day: string, utcOffsetSeconds: number): string {
  const hourly: Record<string, unknown[]> = {
    time: Array.from({ length: 24 }, (_, h) => `${day}T${pad(h)}:00`),
  };
  for (const variable of VARIABLES) hourly[variable] = (recorded.hourly[variable] ?? []).slice(0, 24);
  return JSON.stringify({ ...recorded, utc_offset_seconds: utcOffsetSeconds, hourly });
}

/** 24 consecutive UTC hours from `first`. */
const hoursFrom = (first: string) =>
  Array.from({ length: 24 }, (_, h) => new Date(Date.parse(first) + h * HOUR_MS).toISOString());

/**
 * Derived: the recorded grid point asked with `models=meteofrance_arome_france,icon_seamless,
 * meteoswiss_icon_seamless` in the shape Open-Meteo gives several models (every key suffixed, as
 * in frenck/python-open-meteo's forecast_models.json), values from the fixture's first hours.
 * AROME's last hour is null (past its horizon), and the daily block has a sunrise time.
 */
const MULTI_MODEL = JSON.stringify({
  latitude: 50,
  longitude: 10,
  generationtime_ms: 1.2,
  utc_offset_seconds: 3600,
  timezone: 'Europe/Berlin',
  timezone_abbreviation: 'GMT+1',
  elevation: 291,
  current_units: {
    time: 'iso8601',
    interval: 'seconds',
    temperature_2m_meteofrance_arome_france: '°C',
    temperature_2m_icon_seamless: '°C',
    temperature_2m_meteoswiss_icon_seamless: '°C',
  },
  current: {
    time: '2026-03-02T01:45',
    interval: 900,
    temperature_2m_meteofrance_arome_france: 2.1,
    temperature_2m_icon_seamless: 2.3,
    temperature_2m_meteoswiss_icon_seamless: 2.2,
  },
  minutely_15_units: { time: 'iso8601', wind_gusts_10m_meteofrance_arome_france: 'km/h' },
  minutely_15: {
    time: ['2026-03-02T00:00', '2026-03-02T00:15'],
    wind_gusts_10m_meteofrance_arome_france: [8.3, 6.8],
  },
  hourly_units: {
    time: 'iso8601',
    wind_speed_10m_meteofrance_arome_france: 'km/h',
    wind_speed_10m_icon_seamless: 'km/h',
    wind_speed_10m_meteoswiss_icon_seamless: 'km/h',
  },
  hourly: {
    time: ['2026-03-02T00:00', '2026-03-02T01:00'],
    wind_speed_10m_meteofrance_arome_france: [4.3, null],
    wind_speed_10m_icon_seamless: [4.6, 4.4],
    wind_speed_10m_meteoswiss_icon_seamless: [3.6, 4.0],
  },
  daily_units: {
    time: 'iso8601',
    temperature_2m_max_meteofrance_arome_france: '°C',
    sunrise_icon_seamless: 'iso8601',
  },
  daily: {
    time: ['2026-03-02'],
    temperature_2m_max_meteofrance_arome_france: [13.1],
    sunrise_icon_seamless: ['2026-03-02T06:58'],
  },
});

/**
 * Derived: the archive's answer shape (same as the forecast) for a January day asked in summer,
 * as the fixtures README describes for frenck/python-open-meteo's historical_weather.json:
 * `utc_offset_seconds` is today's 7200, and the times are written on that offset.
 */
const ARCHIVE_JANUARY = JSON.stringify({
  latitude: 50,
  longitude: 10,
  generationtime_ms: 2.5,
  utc_offset_seconds: 7200,
  timezone: 'Europe/Berlin',
  timezone_abbreviation: 'GMT+2',
  elevation: 291,
  hourly_units: { time: 'iso8601', temperature_2m: '°C' },
  hourly: {
    time: ['2024-01-15T00:00', '2024-01-15T01:00', '2024-01-15T02:00'],
    temperature_2m: [-1.5, -1.9, -2],
  },
  daily_units: { time: 'iso8601', temperature_2m_max: '°C' },
  daily: { time: ['2024-01-15'], temperature_2m_max: [2.4] },
});

// Derived: AROME asked only past its horizon: every value null, so nothing to store.
const PAST_HORIZON = JSON.stringify({
  latitude: 50,
  longitude: 10,
  utc_offset_seconds: 0,
  timezone: 'GMT',
  hourly_units: { time: 'iso8601', wind_speed_10m: 'km/h' },
  hourly: { time: ['2026-03-05T00:00', '2026-03-05T01:00'], wind_speed_10m: [null, null] },
});

let server: FixtureServer;

const RECORDED_REQUEST = {
  latitude: 50,
  longitude: 10,
  hourly: VARIABLES,
  timezone: 'Europe/Berlin',
  forecastDays: 3,
} satisfies OpenMeteoOptions;

async function collect(options: OpenMeteoOptions, prefix = '', models?: readonly string[]) {
  const api = options.api ?? 'forecast';
  const source = openMeteo.source({ ...options, url: `${server.url}${prefix}/v1/${api}` });
  const { records, error } = await collectRecords(source, openMeteo.transformFor({ models }));
  const sent = new URL(server.requests.at(-1)?.url ?? '/', 'http://fixture');
  return { records: records as OpenMeteoValue[], error, sent };
}

const backends = await testBackends();

// One suite around every other, so the fixture server outlives the end-to-end suites that run beside the rest.
describe('connectors.openMeteo on 127.0.0.1', () => {
  before(async () => {
    server = await startFixtureServer({
      '/v1/forecast': { headers: JSON_TYPE, body: upstreamFixture(FORECAST_FILE) },
      '/models/v1/forecast': { headers: JSON_TYPE, body: MULTI_MODEL },
      '/v1/archive': { headers: JSON_TYPE, body: ARCHIVE_JANUARY },
      '/spring-asked-in-winter/v1/forecast': { headers: JSON_TYPE, body: derivedDay('2026-03-29', 3600) },
      '/spring-asked-in-summer/v1/forecast': { headers: JSON_TYPE, body: derivedDay('2026-03-29', 7200) },
      '/autumn-asked-in-summer/v1/forecast': { headers: JSON_TYPE, body: derivedDay('2026-10-25', 7200) },
      '/empty/v1/forecast': { headers: JSON_TYPE, body: PAST_HORIZON },
      '/400/v1/forecast': {
        status: 400,
        headers: JSON_TYPE,
        body: upstreamFixture('openmeteo_error_400_DOC-EXAMPLE.json'),
      },
      '/429/v1/forecast': {
        status: 429,
        headers: JSON_TYPE,
        body: upstreamFixture('openmeteo_error_429_daily-limit.json'),
      },
      // The same error bodies behind something that answers 200 (a proxy, a cache).
      '/400-as-200/v1/forecast': {
        headers: JSON_TYPE,
        body: upstreamFixture('openmeteo_error_400_DOC-EXAMPLE.json'),
      },
      '/429-as-200/v1/forecast': {
        headers: JSON_TYPE,
        body: upstreamFixture('openmeteo_error_429_daily-limit.json'),
      },
    });
  });
  after(() => server.close());

  describe('connectors.openMeteo', () => {
    it('hourly forecast in Europe/Berlin: every value of the recorded answer, on UTC hours', async () => {
      const { records, error, sent } = await collect(RECORDED_REQUEST);
      assert.equal(error, undefined);
      assert.equal(sent.pathname, '/v1/forecast');
      assert.deepEqual(Object.fromEntries(sent.searchParams), {
        latitude: '50',
        longitude: '10',
        hourly: VARIABLES.join(','),
        timezone: 'Europe/Berlin',
        forecast_days: '3',
      });
      assert.equal(records.length, 72 * 21);
      assert.deepEqual(records.slice(0, 21), FIRST_HOUR);
      assert.deepEqual(records.slice(-21), LAST_HOUR);
      // 2026-03-02T00:00 on the answer's +01:00 is 23:00Z the day before; then one hour per row.
      const times = [...new Set(records.map((record) => record.time))];
      assert.deepEqual(
        times,
        Array.from({ length: 72 }, (_, h) =>
          new Date(Date.parse('2026-03-01T23:00:00Z') + h * HOUR_MS).toISOString(),
        ),
      );
      const sums: Record<string, number> = {};
      for (const record of records) sums[record.variable] = (sums[record.variable] ?? 0) + record.value;
      for (const [variable, sum] of Object.entries(sums)) sums[variable] = Math.round(sum * 100) / 100;
      assert.deepEqual(sums, SUMS);
      for (const record of records) openMeteo.schema.parse(record);
    });

    it('several models: keys lose their _<model> suffix (the longest wins), nulls are no record, sunrise is epoch seconds', async () => {
      const models = ['meteofrance_arome_france', 'icon_seamless', 'meteoswiss_icon_seamless'];
      const { records, error, sent } = await collect(
        {
          latitude: 50,
          longitude: 10,
          current: ['temperature_2m'],
          minutely15: ['wind_gusts_10m'],
          hourly: ['wind_speed_10m'],
          daily: ['temperature_2m_max', 'sunrise'],
          models,
          timezone: 'Europe/Berlin',
        },
        '/models',
        models,
      );
      assert.equal(error, undefined);
      assert.equal(sent.searchParams.get('models'), models.join(','));
      assert.equal(sent.searchParams.get('current'), 'temperature_2m');
      assert.equal(sent.searchParams.get('minutely_15'), 'wind_gusts_10m');
      const row = (
        model: string,
        resolution: string,
        time: string,
        variable: string,
        value: number,
        unit: string,
      ) => ({
        latitude: 50,
        longitude: 10,
        model,
        resolution,
        time,
        variable,
        value,
        unit,
      });
      assert.deepEqual(records, [
        row('meteofrance_arome_france', 'current', '2026-03-02T00:45:00.000Z', 'temperature_2m', 2.1, '°C'),
        row('icon_seamless', 'current', '2026-03-02T00:45:00.000Z', 'temperature_2m', 2.3, '°C'),
        row('meteoswiss_icon_seamless', 'current', '2026-03-02T00:45:00.000Z', 'temperature_2m', 2.2, '°C'),
        row(
          'meteofrance_arome_france',
          'minutely_15',
          '2026-03-01T23:00:00.000Z',
          'wind_gusts_10m',
          8.3,
          'km/h',
        ),
        row(
          'meteofrance_arome_france',
          'minutely_15',
          '2026-03-01T23:15:00.000Z',
          'wind_gusts_10m',
          6.8,
          'km/h',
        ),
        row('meteofrance_arome_france', 'hourly', '2026-03-01T23:00:00.000Z', 'wind_speed_10m', 4.3, 'km/h'),
        row('icon_seamless', 'hourly', '2026-03-01T23:00:00.000Z', 'wind_speed_10m', 4.6, 'km/h'),
        row('meteoswiss_icon_seamless', 'hourly', '2026-03-01T23:00:00.000Z', 'wind_speed_10m', 3.6, 'km/h'),
        row('icon_seamless', 'hourly', '2026-03-02T00:00:00.000Z', 'wind_speed_10m', 4.4, 'km/h'),
        row('meteoswiss_icon_seamless', 'hourly', '2026-03-02T00:00:00.000Z', 'wind_speed_10m', 4, 'km/h'),
        row(
          'meteofrance_arome_france',
          'daily',
          '2026-03-01T23:00:00.000Z',
          'temperature_2m_max',
          13.1,
          '°C',
        ),
        // 06:58 on +01:00 = 05:58Z.
        row(
          'icon_seamless',
          'daily',
          '2026-03-01T23:00:00.000Z',
          'sunrise',
          Date.parse('2026-03-02T05:58:00Z') / 1000,
          'unixtime',
        ),
      ]);
      for (const record of records) openMeteo.schema.parse(record);
    });

    it('a key without a suffix of the models asked gets no model, so the schema refuses it', async () => {
      const { records } = await collect(
        { latitude: 50, longitude: 10, hourly: ['wind_speed_10m'], models: ['gfs_seamless', 'ecmwf_ifs025'] },
        '/models',
        ['gfs_seamless', 'ecmwf_ifs025'],
      );
      assert.ok(records.length > 0);
      assert.ok(records.every((record) => record.model === undefined));
      assert.equal(openMeteo.schema.safeParse(records[0]).success, false);
    });

    it('archive: another host and path, start/end dates, times on the offset the answer states', async () => {
      const { records, error, sent } = await collect({
        api: 'archive',
        latitude: 50,
        longitude: 10,
        hourly: ['temperature_2m'],
        daily: ['temperature_2m_max'],
        timezone: 'Europe/Berlin',
        startDate: '2024-01-15',
        endDate: '2024-01-15',
      });
      assert.equal(error, undefined);
      assert.equal(sent.pathname, '/v1/archive');
      assert.deepEqual(Object.fromEntries(sent.searchParams), {
        latitude: '50',
        longitude: '10',
        hourly: 'temperature_2m',
        daily: 'temperature_2m_max',
        timezone: 'Europe/Berlin',
        start_date: '2024-01-15',
        end_date: '2024-01-15',
      });
      // January is +01:00 in Berlin, but the answer wrote its times on the +02:00 it states: 00:00 is 22:00Z.
      assert.deepEqual(
        records.map((record) => [record.resolution, record.time, record.value]),
        [
          ['hourly', '2024-01-14T22:00:00.000Z', -1.5],
          ['hourly', '2024-01-14T23:00:00.000Z', -1.9],
          ['hourly', '2024-01-15T00:00:00.000Z', -2],
          ['daily', '2024-01-14T22:00:00.000Z', 2.4],
        ],
      );
      assert.equal(
        openMeteo.source({
          ...RECORDED_REQUEST,
          forecastDays: undefined,
          api: 'archive',
          startDate: '{{start_date}}',
          endDate: '{{end_date}}',
        }).urlSource,
        'https://archive-api.open-meteo.com/v1/archive',
      );
    });

    it('an answer with only nulls (AROME past its horizon) is zero records, not an error', async () => {
      const { records, error } = await collect(
        { latitude: 50, longitude: 10, hourly: ['wind_speed_10m'] },
        '/empty',
      );
      assert.equal(error, undefined);
      assert.deepEqual(records, []);
    });

    it('the 400 of openmeteo_error_400_DOC-EXAMPLE.json fails with its reason, not retried', async () => {
      const { records, error } = await collect(RECORDED_REQUEST, '/400');
      assert.deepEqual(records, []);
      assert.ok(error instanceof SourceError);
      assert.equal(error.code, 'upstream_http_error');
      assert.equal(error.status, 400);
      assert.equal(error.retryable, false);
      assert.match(
        error.message,
        /answered HTTP 400: .*Cannot initialize WeatherVariable from invalid String value tempeture_2m for key hourly/,
      );
    });

    it('the 429 of openmeteo_error_429_daily-limit.json fails with its reason, retryable', async () => {
      const { records, error } = await collect(RECORDED_REQUEST, '/429');
      assert.deepEqual(records, []);
      assert.ok(error instanceof SourceError);
      assert.equal(error.code, 'upstream_http_error');
      assert.equal(error.status, 429);
      assert.equal(error.retryable, true);
      assert.match(
        error.message,
        /answered HTTP 429: .*Daily API request limit exceeded\. Please try again tomorrow\./,
      );
    });

    it("the same error bodies with HTTP 200 are refused by the check with Open-Meteo's reason", async () => {
      for (const [prefix, reason] of [
        [
          '/400-as-200',
          'Cannot initialize WeatherVariable from invalid String value tempeture_2m for key hourly',
        ],
        ['/429-as-200', 'Daily API request limit exceeded. Please try again tomorrow.'],
      ] as const) {
        const { records, error } = await collect(RECORDED_REQUEST, prefix);
        assert.deepEqual(records, []);
        assert.ok(error instanceof SourceError);
        assert.equal(error.code, 'upstream_error_body');
        assert.ok(error.message.endsWith(`the response is an error, not data: ${reason}`), error.message);
      }
    });

    it('declares its policies and refuses what it cannot send', () => {
      const source = openMeteo.source(RECORDED_REQUEST);
      assert.equal(source.urlSource, 'https://api.open-meteo.com/v1/forecast');
      assert.equal(source.name, 'open-meteo');
      assert.equal(source.timeoutMs, 15_000);
      assert.deepEqual(source.resilience, {
        retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
        rateLimit: { requests: 600, per: '1m' },
        concurrency: 1,
        breaker: { threshold: 5, cooldownS: 60 },
      });
      assert.throws(
        () => openMeteo.source({ latitude: 95, longitude: 10, hourly: ['x'] }),
        /latitude must be a number within ±90/,
      );
      assert.throws(() => openMeteo.source({ latitude: 50, longitude: 10 }), /at least one variable/);
      assert.throws(
        () => openMeteo.source({ latitude: 50, longitude: 10, hourly: ['Temp 2m'] }),
        ConfigError,
      );
      assert.throws(
        () =>
          openMeteo.source({
            latitude: 50,
            longitude: 10,
            hourly: ['temperature_2m'],
            timezone: 'Mars/Olympus',
          }),
        /timezone "Mars\/Olympus" is not an IANA zone/,
      );
      assert.throws(
        () => openMeteo.source({ api: 'archive', latitude: 50, longitude: 10, hourly: ['temperature_2m'] }),
        /needs startDate and endDate/,
      );
      assert.throws(
        () =>
          openMeteo.source({
            api: 'archive',
            latitude: 50,
            longitude: 10,
            current: ['temperature_2m'],
            startDate: '2024-01-01',
            endDate: '2024-01-02',
          }),
        /hourly and daily values only/,
      );
      assert.throws(
        () =>
          openMeteo.source({
            latitude: 50,
            longitude: 10,
            hourly: ['temperature_2m'],
            startDate: 'yesterday',
          }),
        /start_date "yesterday"/,
      );
    });
  });

  describe('connectors.openMeteo across DST (answers derived from the recorded one)', () => {
    it('spring, asked in winter (+01:00): 24 distinct UTC hours, 02:00 (not a Berlin time that day) is 01:00Z', async () => {
      const { records } = await collect(RECORDED_REQUEST, '/spring-asked-in-winter');
      const times = [...new Set(records.map((record) => record.time))];
      assert.deepEqual(times, hoursFrom('2026-03-28T23:00:00.000Z'));
      assert.equal(records.length, 24 * 21);
      const temperatures = records
        .filter((record) => record.variable === 'temperature_2m')
        .map((record) => record.value);
      assert.deepEqual(temperatures, recorded.hourly.temperature_2m?.slice(0, 24));
    });

    it('spring, asked in summer (+02:00): the same strings are an hour earlier in UTC', async () => {
      const { records } = await collect(RECORDED_REQUEST, '/spring-asked-in-summer');
      assert.deepEqual(
        [...new Set(records.map((record) => record.time))],
        hoursFrom('2026-03-28T22:00:00.000Z'),
      );
    });

    it('autumn, asked in summer (+02:00): 24 strings, no repeated 02:00, 24 distinct UTC hours', async () => {
      const { records } = await collect(RECORDED_REQUEST, '/autumn-asked-in-summer');
      // The real day has 25 hours (22:00Z..22:00Z next day); Open-Meteo's day on +02:00 ends at 21:00Z.
      assert.deepEqual(
        [...new Set(records.map((record) => record.time))],
        hoursFrom('2026-10-24T22:00:00.000Z'),
      );
    });

    it('why not the IANA zone: reading the spring strings as Berlin wall clock folds 02:00 and 03:00 onto one instant', () => {
      const asWallClock = Array.from({ length: 24 }, (_, h) =>
        localTimeToUtc(`2026-03-29T${pad(h)}:00`, recorded.timezone).toISOString(),
      );
      assert.equal(asWallClock[2], '2026-03-29T01:00:00.000Z');
      assert.equal(asWallClock[3], '2026-03-29T01:00:00.000Z');
      assert.equal(new Set(asWallClock).size, 23);
      // And every hour after the change comes out an hour before the instant Open-Meteo meant.
      assert.equal(asWallClock[12], '2026-03-29T10:00:00.000Z');
      assert.equal(openMeteo.instant('2026-03-29T12:00', 3600), Date.parse('2026-03-29T11:00:00Z'));
      // timeformat=unixtime answers are epoch seconds, UTC already: the offset does not apply.
      assert.equal(openMeteo.instant(1774746000, 3600), Date.parse('2026-03-29T01:00:00Z'));
    });
  });

  for (const backend of backends) {
    describe(`connectors.openMeteo end to end on ${backend.kind}`, { skip: backend.skip }, () => {
      it('one run stores the recorded forecast in weather_model_values and a second changes nothing', async () => {
        const pipeline = openMeteo.pipeline('berlin_forecast', {
          ...RECORDED_REQUEST,
          url: `${server.url}/v1/forecast`,
        });
        await runTwice(backend, openMeteo.dataset, pipeline, async (db, first, second) => {
          assert.equal(first.status, 'succeeded', JSON.stringify(first.errors));
          assert.equal(first.counts.inserted, 72 * 21);
          assert.deepEqual(
            [second.counts.inserted, second.counts.updated, second.counts.unchanged],
            [0, 0, 72 * 21],
          );
          const { rows } = await db.query<{
            epoch: number;
            variable: string;
            value: number;
            unit: string;
            _provider: string;
          }>(
            `SELECT extract(epoch FROM time)::float8 AS epoch, variable, value, unit, _provider
             FROM public.weather_model_values WHERE time = (SELECT min(time) FROM public.weather_model_values)
            ORDER BY variable COLLATE "C"`,
          );
          assert.deepEqual(
            rows.map((row) => ({ ...row, epoch: Number(row.epoch), value: Number(row.value) })),
            [...FIRST_HOUR]
              .sort((a, b) => (a.variable < b.variable ? -1 : 1))
              .map(({ variable, value, unit }) => ({
                epoch: Date.parse('2026-03-01T23:00:00Z') / 1000,
                variable,
                value,
                unit,
                _provider: 'open-meteo',
              })),
          );
        });
      });
    });
  }
});

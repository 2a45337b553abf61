// The Open-Meteo request: forecast or archive, which variables, models, zone and days, with the
// free tier's limits and a check for its `{"error": true, "reason": …}` bodies.
import { ConfigError } from '../../domain/errors.ts';
import type { RateLimitOptions } from '../../domain/resilience-policy.ts';
import { type HttpSourceDefinition, http, type ResponseCheck } from '../../domain/source-definition.ts';
import { parseTemplate, templateVariables } from '../../domain/template.ts';

export const OpenMeteoApi = { forecast: 'forecast', archive: 'archive' } as const;
export type OpenMeteoApi = (typeof OpenMeteoApi)[keyof typeof OpenMeteoApi];

export const OPENMETEO_URLS = {
  forecast: 'https://api.open-meteo.com/v1/forecast',
  archive: 'https://archive-api.open-meteo.com/v1/archive',
} as const satisfies Record<OpenMeteoApi, string>;

export interface OpenMeteoOptions {
  latitude: number;
  longitude: number;
  /** @defaultValue 'forecast' */
  api?: OpenMeteoApi;
  hourly?: readonly string[];
  daily?: readonly string[];
  /** Forecast only: the values of the current 15 minutes. */
  current?: readonly string[];
  minutely15?: readonly string[];
  /**
   * Weather models (`meteofrance_arome_france`, `icon_seamless`); with two or more, Open-Meteo
   * suffixes every key with `_<model>` and each record names its model. @defaultValue best_match
   */
  models?: readonly string[];
  /** IANA zone for the answer's days and times, or `auto` (from the coordinates). @defaultValue 'GMT' */
  timezone?: string;
  /** Forecast only. */
  forecastDays?: number;
  /** Forecast only. */
  pastDays?: number;
  /** `YYYY-MM-DD` or a template (`{{start_date}}`); required by the archive. */
  startDate?: string;
  endDate?: string;
  windSpeedUnit?: 'kmh' | 'ms' | 'mph' | 'kn';
  temperatureUnit?: 'celsius' | 'fahrenheit';
  precipitationUnit?: 'mm' | 'inch';
  /** Another endpoint (a self-hosted Open-Meteo, a test server). @defaultValue OPENMETEO_URLS[api] */
  url?: string;
  /** Provider name on runs and rows, and the key of its breaker. @defaultValue 'open-meteo' */
  name?: string;
  /** The free tier allows 600 calls a minute (5,000 an hour, 10,000 a day). @defaultValue 600 per minute */
  rateLimit?: RateLimitOptions;
}

export const openMeteoDefaults = {
  api: OpenMeteoApi.forecast,
  timezone: 'GMT',
  name: 'open-meteo',
  rateLimit: { requests: 600, per: '1m' },
} satisfies Partial<OpenMeteoOptions>;

const NAME = /^[a-z0-9_]+$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A 2xx body with `error: true` is refused with Open-Meteo's `reason` (its 400s and 429s carry the same body). */
export const openMeteoCheck: ResponseCheck = {
  body(body) {
    const documents = Array.isArray(body) ? body : [body];
    for (const document of documents) {
      const answer = document as { error?: unknown; reason?: unknown } | null;
      if (typeof answer !== 'object' || answer === null) return 'the answer is not an Open-Meteo document';
      if (answer.error === true)
        return typeof answer.reason === 'string' ? answer.reason : 'error without a reason';
    }
    return undefined;
  },
};

function assertZone(where: string, zone: string): void {
  if (zone === 'auto' || zone === 'GMT') return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new ConfigError(
      `${where}: timezone ${JSON.stringify(zone)} is not an IANA zone (e.g. Europe/Berlin) or 'auto'`,
    );
  }
}

/** The http() source of one Open-Meteo request; ConfigError names what it cannot send. */
export function openMeteoSource(options: OpenMeteoOptions): HttpSourceDefinition {
  const where = 'connectors.openMeteo';
  const api = options?.api ?? openMeteoDefaults.api;
  if (!Object.values(OpenMeteoApi).includes(api)) {
    throw new ConfigError(`${where}: api ${JSON.stringify(api)} must be 'forecast' or 'archive'`);
  }
  for (const [what, value, limit] of [
    ['latitude', options.latitude, 90],
    ['longitude', options.longitude, 180],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > limit) {
      throw new ConfigError(
        `${where}: ${what} must be a number within ±${limit}, got ${JSON.stringify(value)}`,
      );
    }
  }
  const blocks = {
    current: options.current,
    minutely_15: options.minutely15,
    hourly: options.hourly,
    daily: options.daily,
  };
  const models = options.models ?? [];
  for (const name of [...Object.values(blocks).flatMap((list) => list ?? []), ...models]) {
    if (!NAME.test(name)) {
      throw new ConfigError(
        `${where}: ${JSON.stringify(name)} is not an Open-Meteo name (lower case, digits, _)`,
      );
    }
  }
  if (Object.values(blocks).every((list) => (list ?? []).length === 0)) {
    throw new ConfigError(`${where}: ask for at least one variable (hourly, daily, current or minutely15)`);
  }
  if (api === OpenMeteoApi.archive && (options.current?.length || options.minutely15?.length)) {
    throw new ConfigError(`${where}: the archive has hourly and daily values only`);
  }
  const timezone = options.timezone ?? openMeteoDefaults.timezone;
  assertZone(where, timezone);
  const dates = { start_date: options.startDate, end_date: options.endDate };
  for (const [what, day] of Object.entries(dates)) {
    if (day !== undefined && !DAY.test(day) && templateVariables(parseTemplate(day)).length === 0) {
      throw new ConfigError(`${where}: ${what} ${JSON.stringify(day)} must be YYYY-MM-DD or a {{template}}`);
    }
  }
  if (api === OpenMeteoApi.archive && (dates.start_date === undefined || dates.end_date === undefined)) {
    throw new ConfigError(`${where}: the archive needs startDate and endDate`);
  }
  const query: Record<string, string> = {
    latitude: String(options.latitude),
    longitude: String(options.longitude),
  };
  for (const [block, list] of Object.entries(blocks)) if (list?.length) query[block] = list.join(',');
  if (models.length > 0) query.models = models.join(',');
  query.timezone = timezone;
  const numbers = { forecast_days: options.forecastDays, past_days: options.pastDays };
  for (const [what, value] of Object.entries(numbers)) {
    if (value === undefined) continue;
    if (api === OpenMeteoApi.archive || !Number.isInteger(value) || value < 0) {
      throw new ConfigError(`${where}: ${what} must be a whole number of days, and only for the forecast`);
    }
    query[what] = String(value);
  }
  for (const [what, day] of Object.entries(dates)) if (day !== undefined) query[what] = day;
  const units = {
    wind_speed_unit: options.windSpeedUnit,
    temperature_unit: options.temperatureUnit,
    precipitation_unit: options.precipitationUnit,
  };
  for (const [what, unit] of Object.entries(units)) if (unit !== undefined) query[what] = unit;
  return http({
    url: options.url ?? OPENMETEO_URLS[api],
    query,
    format: 'json',
    name: options.name ?? openMeteoDefaults.name,
    // A forecast answers in well under a second; decades of archive hours take longer.
    timeoutMs: api === OpenMeteoApi.archive ? 60_000 : 15_000,
    maxBytes: 64 * 1024 * 1024,
    retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
    rateLimit: options.rateLimit ?? openMeteoDefaults.rateLimit,
    // Open-Meteo serves one request per client at a time and queues a few more (issue #1493).
    concurrency: 1,
    breaker: { threshold: 5, cooldownS: 60 },
    check: openMeteoCheck,
  });
}

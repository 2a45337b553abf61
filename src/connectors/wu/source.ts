// The Weather Underground PWS request: one station's current observation, metric, with the free key's limits.
import { ConfigError } from '../../domain/errors.ts';
import type { RateLimitOptions } from '../../domain/resilience-policy.ts';
import {
  type HttpSourceDefinition,
  http,
  type ResponseCheck,
  type SecretRef,
  secret,
} from '../../domain/source-definition.ts';
import { parseTemplate, templateVariables } from '../../domain/template.ts';

export const WU_URL = 'https://api.weather.com/v2/pws';

export interface WuOptions {
  /** The station's id (`IHERNE113`), or a template of the pipeline's parameters (`{{key}}`). */
  station: string;
  /** A weather.com API key (PWS owners get one). @defaultValue secret('WU_API_KEY') */
  apiKey?: string | SecretRef;
  /** @defaultValue WU_URL */
  baseUrl?: string;
  /** Provider name on runs and rows, and the key of its breaker. @defaultValue 'wu' */
  name?: string;
  /** The PWS owner's key allows 30 calls a minute and 1,500 a day. @defaultValue 30 per minute */
  rateLimit?: RateLimitOptions;
}

const STATION = /^[A-Za-z0-9]+$/;

export const wuDefaults = {
  baseUrl: WU_URL,
  name: 'wu',
  rateLimit: { requests: 30, per: '1m' },
} satisfies Partial<WuOptions>;

/**
 * The answer is `{"observations": [...]}`, each with a `metric` block (we ask `units=m`); an
 * `errors` list or observations in other units would otherwise become wrong or missing values.
 */
export const wuCheck: ResponseCheck = {
  body(body) {
    const document = body as { observations?: unknown; errors?: unknown } | null;
    if (Array.isArray(document?.observations)) return undefined;
    if (Array.isArray(document?.errors) && document.errors.length > 0) {
      const messages = document.errors.map((entry) => {
        const error = (entry as { error?: { code?: unknown; message?: unknown } } | null)?.error;
        return [error?.code, error?.message].filter((part) => typeof part === 'string').join(' ');
      });
      return messages.join('; ') || JSON.stringify(document.errors);
    }
    return 'the answer holds no observations';
  },
  record(record) {
    const metric = (record as { metric?: unknown } | null)?.metric;
    return typeof metric === 'object' && metric !== null
      ? undefined
      : 'an observation without its metric block';
  },
};

/** The http() source of one station's current observation; ConfigError names a station it cannot send. */
export function wuSource(options: WuOptions): HttpSourceDefinition {
  const where = 'connectors.wu';
  const station = options?.station;
  if (
    typeof station !== 'string' ||
    (!STATION.test(station) && templateVariables(parseTemplate(station)).length === 0)
  ) {
    throw new ConfigError(`${where}: station ${JSON.stringify(station)} must be a PWS id such as IHERNE113`);
  }
  const baseUrl = (options.baseUrl ?? wuDefaults.baseUrl).replace(/\/+$/, '');
  return http({
    url: `${baseUrl}/observations/current`,
    query: {
      stationId: station,
      format: 'json',
      units: 'm',
      // Decimals instead of integers for temperature and wind (the default rounds them).
      numericPrecision: 'decimal',
      apiKey: options.apiKey ?? secret('WU_API_KEY'),
    },
    format: 'json',
    records: 'observations',
    name: options.name ?? wuDefaults.name,
    timeoutMs: 10_000,
    maxBytes: 1024 * 1024,
    retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
    rateLimit: options.rateLimit ?? wuDefaults.rateLimit,
    breaker: { threshold: 5, cooldownS: 120 },
    check: wuCheck,
  });
}

// The Pioupiou (OpenWindMap) live request: one beacon or all, no key, at most once a minute.
import { ConfigError } from '../../domain/errors.ts';
import type { RateLimitOptions } from '../../domain/resilience-policy.ts';
import { type HttpSourceDefinition, http, type ResponseCheck } from '../../domain/source-definition.ts';
import { parseTemplate, templateVariables } from '../../domain/template.ts';

// The API as documented; it answers plain HTTP.
export const PIOUPIOU_URL = 'http://api.pioupiou.fr/v1';

export interface PioupiouOptions {
  /** A beacon's number (`110`), `'all'`, or a template of the pipeline's parameters (`{{key}}`). */
  station: number | string;
  /** @defaultValue PIOUPIOU_URL */
  baseUrl?: string;
  /**
   * Provider name on runs and rows, and the key of its breaker and rate limit: give each beacon
   * its own (`pioupiou-110`) so one dead beacon does not hold the others back. @defaultValue 'pioupiou'
   */
  name?: string;
  /** Pioupiou asks for no more than one call a minute. @defaultValue 1 per minute */
  rateLimit?: RateLimitOptions;
}

export const pioupiouDefaults = {
  baseUrl: PIOUPIOU_URL,
  name: 'pioupiou',
  rateLimit: { requests: 1, per: '1m' },
} satisfies Partial<PioupiouOptions>;

/** Pioupiou documents no error body: an answer without `data` is refused with what it says instead. */
export const pioupiouCheck: ResponseCheck = {
  body(body) {
    const document = body as { data?: unknown; error?: unknown; message?: unknown } | null;
    if (typeof document?.data === 'object' && document.data !== null) return undefined;
    for (const reason of [document?.error, document?.message]) {
      if (typeof reason === 'string' && reason !== '') return reason;
    }
    return 'the answer holds no beacon data';
  },
};

/** The http() source of one live call; ConfigError names a station it cannot send. */
export function pioupiouSource(options: PioupiouOptions): HttpSourceDefinition {
  const station = String(options?.station ?? '');
  if (!/^(\d+|all)$/.test(station) && templateVariables(parseTemplate(station)).length === 0) {
    throw new ConfigError(
      `connectors.pioupiou: station ${JSON.stringify(options?.station)} must be a beacon number such as 110, or 'all'`,
    );
  }
  const baseUrl = (options.baseUrl ?? pioupiouDefaults.baseUrl).replace(/\/+$/, '');
  return http({
    url: `${baseUrl}/live/${station}`,
    format: 'json',
    // One beacon is an object, `all` an array: either way one record per beacon.
    records: 'data',
    name: options.name ?? pioupiouDefaults.name,
    timeoutMs: 10_000,
    maxBytes: 16 * 1024 * 1024,
    retry: { attempts: 2, baseDelayMs: 2_000, maxDelayMs: 10_000 },
    rateLimit: options.rateLimit ?? pioupiouDefaults.rateLimit,
    breaker: { threshold: 3, cooldownS: 300 },
    check: pioupiouCheck,
  });
}

// The open.er-api.com request: the latest rates of one base currency, with its open-access limits.
import type { RateLimitOptions } from '../../domain/resilience-policy.ts';
import { type HttpSourceDefinition, http, type ResponseCheck } from '../../domain/source-definition.ts';
import { assertCurrencyCodes } from '../ecb/source.ts';

export const ERAPI_URL = 'https://open.er-api.com/v6';

export interface ErapiOptions {
  /** @defaultValue 'USD' */
  base?: string;
  /** Quote currencies to keep; all (about 160) when left out. The API has no filter of its own. */
  symbols?: readonly string[];
  /** Where the API lives; tests point it at a local server. @defaultValue ERAPI_URL */
  baseUrl?: string;
  /** Provider name on runs and rows, and the key of its breaker. @defaultValue 'erapi' */
  name?: string;
  /**
   * The open access is updated once a day and asks for a request per day, hourly at most; a 429
   * is lifted after 20 minutes. This limit only stops bursts: schedule it daily. @defaultValue 1 per minute
   */
  rateLimit?: RateLimitOptions;
}

export const erapiDefaults = {
  base: 'USD',
  baseUrl: ERAPI_URL,
  name: 'erapi',
  rateLimit: { requests: 1, per: '1m' },
} satisfies ErapiOptions;

/**
 * `result` says whether the answer holds rates: `"error"` comes with an `error-type`
 * (`unsupported-code` for an unknown base; the keyed API's `quota-reached` even with HTTP 200).
 */
export const erapiCheck: ResponseCheck = {
  body(body) {
    const document = body as { result?: unknown; 'error-type'?: unknown; rates?: unknown } | null;
    if (document?.result === 'success' && typeof document.rates === 'object' && document.rates !== null)
      return undefined;
    const type = document?.['error-type'];
    if (document?.result === 'error')
      return typeof type === 'string' ? type : 'result "error" without an error-type';
    return 'the answer holds no rates';
  },
};

/** The http() source of `/v6/latest/<base>`; ConfigError names a currency it cannot send. */
export function erapiSource(options: ErapiOptions = {}): HttpSourceDefinition {
  const base = options.base ?? erapiDefaults.base;
  assertCurrencyCodes('connectors.erapi', [base, ...(options.symbols ?? [])]);
  const baseUrl = (options.baseUrl ?? erapiDefaults.baseUrl).replace(/\/+$/, '');
  return http({
    url: `${baseUrl}/latest/${base}`,
    format: 'json',
    name: options.name ?? erapiDefaults.name,
    // One document of about 3 kB.
    timeoutMs: 10_000,
    maxBytes: 1024 * 1024,
    retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
    rateLimit: options.rateLimit ?? erapiDefaults.rateLimit,
    breaker: { threshold: 3, cooldownS: 300 },
    check: erapiCheck,
  });
}

// The Frankfurter request: which day, base and symbols, with the upstream's timeout, retry, rate and error checks.
import { ConfigError } from '../../domain/errors.ts';
import type { RateLimitOptions } from '../../domain/resilience-policy.ts';
import { type HttpSourceDefinition, http, type ResponseCheck } from '../../domain/source-definition.ts';
import { parseTemplate, templateVariables } from '../../domain/template.ts';

export const FRANKFURTER_URL = 'https://api.frankfurter.dev/v1';

export interface FrankfurterOptions {
  /**
   * `latest`, a day (`2025-06-13`), a range (`2024-01-01..2024-01-05`, `2024-01-01..` for up to
   * today), or a template of the pipeline's parameters (`{{start_date}}..{{end_date}}`). @defaultValue 'latest'
   */
  date?: string;
  /** @defaultValue 'EUR' */
  base?: string;
  /** Quote currencies; all that Frankfurter has when left out. */
  symbols?: readonly string[];
  /** Where the API lives; tests point it at a local server. @defaultValue FRANKFURTER_URL */
  baseUrl?: string;
  /** Provider name on runs and rows, and the key of its breaker. @defaultValue 'frankfurter' */
  name?: string;
  /** Frankfurter documents no limit: this one is ours, to stay polite. @defaultValue 5 per second */
  rateLimit?: RateLimitOptions;
}

const DAY = String.raw`\d{4}-\d{2}-\d{2}`;
const DATE_FORMS = new RegExp(`^(latest|${DAY}|${DAY}\\.\\.(${DAY})?)$`);
const CODE = /^[A-Z]{3}$/;

export const frankfurterDefaults = {
  date: 'latest',
  base: 'EUR',
  baseUrl: FRANKFURTER_URL,
  name: 'frankfurter',
  rateLimit: { requests: 5, per: '1s' },
} satisfies FrankfurterOptions;

/**
 * A 2xx body without `rates` is an error however it arrived: Frankfurter's own error body is
 * `{"message":"not found"}` (with a 404 for an unknown currency or a day without data).
 */
export const frankfurterCheck: ResponseCheck = {
  body(body) {
    const document = body as { rates?: unknown; message?: unknown } | null;
    if (typeof document?.rates === 'object' && document.rates !== null) return undefined;
    return typeof document?.message === 'string' ? document.message : 'the answer holds no rates';
  },
};

/** The http() source of one Frankfurter request; ConfigError names a date or currency it cannot send. */
export function frankfurterSource(options: FrankfurterOptions = {}): HttpSourceDefinition {
  const where = 'connectors.frankfurter';
  const date = options.date ?? frankfurterDefaults.date;
  if (!DATE_FORMS.test(date) && templateVariables(parseTemplate(date)).length === 0) {
    throw new ConfigError(
      `${where}: date ${JSON.stringify(date)} must be 'latest', YYYY-MM-DD, YYYY-MM-DD..YYYY-MM-DD or a {{template}}`,
    );
  }
  const base = options.base ?? frankfurterDefaults.base;
  const symbols = options.symbols ?? [];
  for (const code of [base, ...symbols]) {
    if (!CODE.test(code)) {
      throw new ConfigError(
        `${where}: currency ${JSON.stringify(code)} must be three capital letters, e.g. USD`,
      );
    }
  }
  const baseUrl = (options.baseUrl ?? frankfurterDefaults.baseUrl).replace(/\/+$/, '');
  return http({
    url: `${baseUrl}/${date}`,
    query: symbols.length > 0 ? { base, symbols: symbols.join(',') } : { base },
    format: 'json',
    name: options.name ?? frankfurterDefaults.name,
    // One small JSON document; a whole time series of every currency is a few hundred kB.
    timeoutMs: 10_000,
    maxBytes: 8 * 1024 * 1024,
    retry: { attempts: 3, baseDelayMs: 500, maxDelayMs: 5_000 },
    rateLimit: options.rateLimit ?? frankfurterDefaults.rateLimit,
    breaker: { threshold: 5, cooldownS: 60 },
    check: frankfurterCheck,
  });
}

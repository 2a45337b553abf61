// The Stooq CSV requests: daily history and quote of a symbol, with the upstream's policies and error checks.
import { ConfigError } from '../../domain/errors.ts';
import type { RateLimitOptions } from '../../domain/resilience-policy.ts';
import {
  type HttpSourceDefinition,
  http,
  type ResponseCheck,
  type SecretRef,
} from '../../domain/source-definition.ts';

export const STOOQ_URL = 'https://stooq.com';

export interface StooqOptions {
  /** Stooq's spelling: `aapl.us`, `^spx`, `eurusd`, `cdr` (Warsaw). Case does not matter. */
  symbol: string;
  /**
   * Sent as `apikey`: Stooq has asked for one on downloads since March 2026 and answers an HTML
   * page without it (which fails the call as `source_format_error`). Not sent when left out.
   */
  apiKey?: SecretRef;
  /** Where Stooq lives; tests point it at a local server. @defaultValue STOOQ_URL */
  baseUrl?: string;
  /** Provider name on runs and rows, and the key of its breaker. @defaultValue 'stooq' */
  name?: string;
  /** Stooq documents none, only a daily hits limit: this one is ours. @defaultValue 1 per second */
  rateLimit?: RateLimitOptions;
}

export interface StooqHistoryOptions extends StooqOptions {
  /** First day, `YYYY-MM-DD` (`d1`); the whole history (from 1984 for AAPL) when left out. */
  from?: string;
  /** Last day, `YYYY-MM-DD` (`d2`, inclusive). */
  to?: string;
}

export interface StooqQuoteOptions extends StooqOptions {
  /**
   * What an unknown symbol's row of `N/D` does: `'quarantine'` keeps it as a refused record with
   * its line, `'fail'` fails the call (so a fallback chain moves on). @defaultValue 'quarantine'
   */
  noData?: 'quarantine' | 'fail';
}

export const stooqDefaults = {
  baseUrl: STOOQ_URL,
  name: 'stooq',
  rateLimit: { requests: 1, per: '1s' },
  noData: 'quarantine',
} satisfies Omit<StooqQuoteOptions, 'symbol'>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Stooq's errors are plain text where CSV was asked: `No data`, `Exceeded the daily hits limit`. */
export const stooqCheck: ResponseCheck = {
  body(body) {
    const text = typeof body === 'string' ? body.trim() : '';
    if (text === 'No data') return 'No data (an unknown symbol, or no bars in the range)';
    if (/^Exceeded the daily hits limit/i.test(text)) return text;
    return undefined;
  },
};

/** The quote check of a chain: a row of `N/D` is an unknown symbol, not data. */
const quoteNoDataCheck: ResponseCheck = {
  ...stooqCheck,
  record(record) {
    const row = record as Record<string, unknown> | null;
    return row?.Close === 'N/D' ? `N/D for ${String(row.Symbol)}: an unknown symbol` : undefined;
  },
};

function checkedSymbol(where: string, symbol: unknown): string {
  if (typeof symbol !== 'string' || !/^[A-Za-z0-9^._-]{1,32}$/.test(symbol)) {
    throw new ConfigError(
      `${where}: symbol ${JSON.stringify(symbol)} must be a Stooq symbol such as aapl.us`,
    );
  }
  return symbol.toLowerCase();
}

function compactDay(where: string, what: string, day: string): string {
  if (!DAY.test(day) || Number.isNaN(Date.parse(day))) {
    throw new ConfigError(`${where}: ${what} ${JSON.stringify(day)} must be a day, YYYY-MM-DD`);
  }
  return day.replaceAll('-', '');
}

const policies = {
  format: 'csv',
  // The whole AAPL history is ~570 kB of CSV.
  timeoutMs: 20_000,
  maxBytes: 16 * 1024 * 1024,
  retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
  breaker: { threshold: 5, cooldownS: 300 },
} as const;

function baseOf(options: StooqOptions): string {
  return (options.baseUrl ?? stooqDefaults.baseUrl).replace(/\/+$/, '');
}

/** `GET /q/d/l/?s=<symbol>&i=d[&d1=&d2=]`: the daily history, oldest first. */
export function stooqHistorySource(options: StooqHistoryOptions): HttpSourceDefinition {
  const where = 'connectors.stooq.history';
  const query: Record<string, string | SecretRef> = { s: checkedSymbol(where, options?.symbol), i: 'd' };
  if (options.from !== undefined) query.d1 = compactDay(where, 'from', options.from);
  if (options.to !== undefined) query.d2 = compactDay(where, 'to', options.to);
  if (options.apiKey !== undefined) query.apikey = options.apiKey;
  return http({
    ...policies,
    url: `${baseOf(options)}/q/d/l/`,
    query,
    name: options.name ?? stooqDefaults.name,
    rateLimit: options.rateLimit ?? stooqDefaults.rateLimit,
    check: stooqCheck,
  });
}

/**
 * `GET /q/l/?s=<symbol>&f=sd2t2ohlcv&h&e=csv`: one row with the header. The fixed parameters sit in
 * the URL because `h` is a bare switch that query values would send as `h=`.
 */
export function stooqQuoteSource(options: StooqQuoteOptions): HttpSourceDefinition {
  const where = 'connectors.stooq.quote';
  const symbol = checkedSymbol(where, options?.symbol);
  const noData = options.noData ?? stooqDefaults.noData;
  if (noData !== 'quarantine' && noData !== 'fail') {
    throw new ConfigError(`${where}: noData ${JSON.stringify(noData)} must be 'quarantine' or 'fail'`);
  }
  return http({
    ...policies,
    url: `${baseOf(options)}/q/l/?s=${encodeURIComponent(symbol)}&f=sd2t2ohlcv&h&e=csv`,
    query: options.apiKey === undefined ? {} : { apikey: options.apiKey },
    name: options.name ?? stooqDefaults.name,
    rateLimit: options.rateLimit ?? stooqDefaults.rateLimit,
    check: noData === 'fail' ? quoteNoDataCheck : stooqCheck,
  });
}

// The Twelve Data requests (quote, time series) with the free plan's rate limit and its HTTP-200 error bodies.
import { ConfigError } from '../../domain/errors.ts';
import type { RateLimitOptions } from '../../domain/resilience-policy.ts';
import {
  type HttpSourceDefinition,
  http,
  type ResponseCheck,
  type SecretRef,
  secret,
} from '../../domain/source-definition.ts';

export const TWELVEDATA_URL = 'https://api.twelvedata.com';

export const TwelveDataInterval = [
  '1min',
  '5min',
  '15min',
  '30min',
  '45min',
  '1h',
  '2h',
  '4h',
  '1day',
  '1week',
  '1month',
] as const;
export type TwelveDataInterval = (typeof TwelveDataInterval)[number];

export interface TwelveDataOptions {
  /** `AAPL`, `EUR/USD`, `BTC/USD`; `AAPL:NASDAQ` picks the exchange. */
  symbol: string;
  /** Sent as `apikey`. @defaultValue secret('TWELVEDATA_API_KEY') */
  apiKey?: SecretRef;
  /** Where the API lives; tests point it at a local server. @defaultValue TWELVEDATA_URL */
  baseUrl?: string;
  /** Provider name on runs and rows, and the key of its breaker. @defaultValue 'twelvedata' */
  name?: string;
  /**
   * The free ("Basic") plan: 8 credits a minute (and 800 a day), one per quote or series request,
   * counted for every worker together. @defaultValue 8 per minute
   */
  rateLimit?: RateLimitOptions;
}

export interface TwelveDataSeriesOptions extends TwelveDataOptions {
  /** @defaultValue '1min' */
  interval?: TwelveDataInterval;
  /** Bars per answer, 1 to 5000; not sent when left out (Twelve Data then sends 30). */
  outputsize?: number;
}

export const twelveDataDefaults = {
  apiKey: secret('TWELVEDATA_API_KEY'),
  baseUrl: TWELVEDATA_URL,
  name: 'twelvedata',
  rateLimit: { requests: 8, per: '1m' },
  interval: '1min',
} satisfies Omit<TwelveDataSeriesOptions, 'symbol'>;

/**
 * Twelve Data sends its errors as `{"code":429,"message":"You have run out of API credits…",
 * "status":"error"}`, usually with HTTP 200: `status` decides, and the reason keeps the code.
 */
export const twelveDataCheck: ResponseCheck = {
  body(body) {
    const document = body as { status?: unknown; code?: unknown; message?: unknown } | null;
    if (typeof document !== 'object' || document === null || Array.isArray(document))
      return 'the answer is not a JSON object';
    const failed = document.status === 'error' || (typeof document.code === 'number' && document.code >= 400);
    if (!failed) return undefined;
    const message = typeof document.message === 'string' ? document.message : 'no message';
    return typeof document.code === 'number' ? `${document.code}: ${message}` : message;
  },
};

function checkedSymbol(where: string, symbol: unknown): string {
  if (typeof symbol !== 'string' || !/^[A-Za-z0-9^=./:_-]{1,32}$/.test(symbol)) {
    throw new ConfigError(
      `${where}: symbol ${JSON.stringify(symbol)} must be a Twelve Data symbol such as AAPL`,
    );
  }
  return symbol;
}

function request(
  options: TwelveDataOptions,
  path: string,
  query: Record<string, string>,
): HttpSourceDefinition {
  const baseUrl = (options.baseUrl ?? twelveDataDefaults.baseUrl).replace(/\/+$/, '');
  return http({
    url: `${baseUrl}/${path}`,
    query: { ...query, apikey: options.apiKey ?? twelveDataDefaults.apiKey },
    format: 'json',
    name: options.name ?? twelveDataDefaults.name,
    timeoutMs: 10_000,
    maxBytes: 8 * 1024 * 1024,
    // Two attempts: every request spends a credit of eight a minute, even one that fails.
    retry: { attempts: 2, baseDelayMs: 1_000, maxDelayMs: 5_000 },
    rateLimit: options.rateLimit ?? twelveDataDefaults.rateLimit,
    breaker: { threshold: 3, cooldownS: 120 },
    check: twelveDataCheck,
  });
}

/** `GET /quote?symbol=<symbol>&apikey=…`: the latest quote. */
export function twelveDataQuoteSource(options: TwelveDataOptions): HttpSourceDefinition {
  return request(options, 'quote', { symbol: checkedSymbol('connectors.twelvedata.quote', options?.symbol) });
}

/** `GET /time_series?symbol=&interval=&outputsize=&apikey=…`: bars, newest first. */
export function twelveDataSeriesSource(options: TwelveDataSeriesOptions): HttpSourceDefinition {
  const where = 'connectors.twelvedata.timeSeries';
  const symbol = checkedSymbol(where, options?.symbol);
  const interval = options.interval ?? twelveDataDefaults.interval;
  if (!TwelveDataInterval.includes(interval)) {
    throw new ConfigError(
      `${where}: interval ${JSON.stringify(interval)} must be one of ${TwelveDataInterval.join(', ')}`,
    );
  }
  const query: Record<string, string> = { symbol, interval };
  const { outputsize } = options;
  if (outputsize !== undefined) {
    if (!Number.isInteger(outputsize) || outputsize < 1 || outputsize > 5000)
      throw new ConfigError(`${where}: outputsize must be a whole number from 1 to 5000`);
    query.outputsize = String(outputsize);
  }
  return request(options, 'time_series', query);
}

// The Yahoo chart v8 request: symbol, interval and range or period, with the upstream's policies and error checks.
import { ConfigError } from '../../domain/errors.ts';
import type { RateLimitOptions } from '../../domain/resilience-policy.ts';
import { type HttpSourceDefinition, http, type ResponseCheck } from '../../domain/source-definition.ts';

export const YAHOO_CHART_URL = 'https://query2.finance.yahoo.com/v8/finance/chart';

export const YahooInterval = [
  '1m',
  '2m',
  '5m',
  '15m',
  '30m',
  '60m',
  '90m',
  '1h',
  '1d',
  '5d',
  '1wk',
  '1mo',
  '3mo',
] as const;
export type YahooInterval = (typeof YahooInterval)[number];

export interface YahooChartOptions {
  /** Yahoo's spelling: `AAPL`, `GC=F`, `^GSPC`, `EURUSD=X`, `MC.PA`. */
  symbol: string;
  /** @defaultValue '1d' */
  interval?: YahooInterval;
  /** A range ending now (`1d`, `5d`, `1mo`, `1y`, `ytd`, `max`), when `from` is not given. @defaultValue '1mo' */
  range?: string;
  /** First day asked, `YYYY-MM-DD`, from 00:00 UTC (Yahoo's `period1`); replaces `range`. */
  from?: string;
  /** The day after the last one asked, `YYYY-MM-DD` (`period2`, exclusive); required with `from`. */
  to?: string;
  /** Where the API lives; tests point it at a local server. @defaultValue YAHOO_CHART_URL */
  baseUrl?: string;
  /** Provider name on runs and rows, and the key of its breaker. @defaultValue 'yahoo' */
  name?: string;
  /** Yahoo documents none and answers 429 past roughly one request a second. @defaultValue 1 per second */
  rateLimit?: RateLimitOptions;
}

export const yahooDefaults = {
  interval: '1d',
  range: '1mo',
  baseUrl: YAHOO_CHART_URL,
  name: 'yahoo',
  rateLimit: { requests: 1, per: '1s' },
  // Yahoo refuses requests whose User-Agent does not look like a browser's (429 or 403).
  userAgent:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
} satisfies Omit<YahooChartOptions, 'symbol'> & { userAgent: string };

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const RANGE = /^(\d+(d|mo|y)|ytd|max)$/;

/**
 * `chart.error` is Yahoo's error document (`{"code":"Not Found","description":"No data found,
 * symbol may be delisted"}`, with a 404); a body with no `chart.result` is refused too.
 */
export const yahooCheck: ResponseCheck = {
  body(body) {
    const chart = (body as { chart?: { result?: unknown; error?: unknown } } | null)?.chart;
    const error = chart?.error as { code?: unknown; description?: unknown } | null | undefined;
    if (error !== null && error !== undefined) {
      const description = typeof error.description === 'string' ? error.description : 'no description';
      return typeof error.code === 'string' ? `${error.code}: ${description}` : description;
    }
    return Array.isArray(chart?.result) ? undefined : 'the answer holds no chart.result';
  },
};

function epochSeconds(where: string, what: string, day: string): string {
  if (!DAY.test(day) || Number.isNaN(Date.parse(day))) {
    throw new ConfigError(`${where}: ${what} ${JSON.stringify(day)} must be a day, YYYY-MM-DD`);
  }
  return String(Date.parse(`${day}T00:00:00Z`) / 1000);
}

/** The http() source of one chart request; ConfigError names an option it cannot send. */
export function yahooChartSource(options: YahooChartOptions): HttpSourceDefinition {
  const where = 'connectors.yahoo';
  const symbol = options?.symbol;
  if (typeof symbol !== 'string' || !/^[A-Za-z0-9^=._-]{1,32}$/.test(symbol)) {
    throw new ConfigError(
      `${where}: symbol ${JSON.stringify(symbol)} must be a Yahoo symbol such as AAPL or GC=F`,
    );
  }
  const interval = options.interval ?? yahooDefaults.interval;
  if (!YahooInterval.includes(interval)) {
    throw new ConfigError(
      `${where}: interval ${JSON.stringify(interval)} must be one of ${YahooInterval.join(', ')}`,
    );
  }
  const query: Record<string, string> = { interval, events: 'div|split' };
  if (options.from !== undefined || options.to !== undefined) {
    // Yahoo wants both ends; "up to now" fixed when the config loads would stop moving, so `to` is required.
    if (options.from === undefined || options.to === undefined)
      throw new ConfigError(`${where}: give both from and to (YYYY-MM-DD, to exclusive), or a range`);
    query.period1 = epochSeconds(where, 'from', options.from);
    query.period2 = epochSeconds(where, 'to', options.to);
  } else {
    const range = options.range ?? yahooDefaults.range;
    if (!RANGE.test(range)) {
      throw new ConfigError(`${where}: range ${JSON.stringify(range)} must be like 5d, 1mo, 1y, ytd or max`);
    }
    query.range = range;
  }
  const baseUrl = (options.baseUrl ?? yahooDefaults.baseUrl).replace(/\/+$/, '');
  return http({
    // The symbol's characters are all legal in a path; Yahoo is asked `GC=F`, as its own site does.
    url: `${baseUrl}/${symbol}`,
    query,
    headers: { 'User-Agent': yahooDefaults.userAgent },
    format: 'json',
    name: options.name ?? yahooDefaults.name,
    // A year of 1d bars is ~40 kB; max range of 1d bars for an old stock is a few MB.
    timeoutMs: 15_000,
    maxBytes: 16 * 1024 * 1024,
    retry: { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 },
    rateLimit: options.rateLimit ?? yahooDefaults.rateLimit,
    breaker: { threshold: 5, cooldownS: 120 },
    check: yahooCheck,
  });
}

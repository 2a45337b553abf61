// quotes(symbol): Yahoo → Stooq → Twelve Data → a static last resort, and the transform that reads each one's answer.
import { ConfigError } from '../../domain/errors.ts';
import type { RecordDraft, Transform } from '../../domain/pipeline-definition.ts';
import {
  type FallbackSourceDefinition,
  fallback,
  type SecretRef,
  staticValue,
} from '../../domain/source-definition.ts';
import { stooqQuoteSource } from '../stooq/source.ts';
import { stooqQuoteTransform } from '../stooq/transform.ts';
import { twelveDataQuoteSource } from '../twelvedata/source.ts';
import { twelveDataQuoteTransform } from '../twelvedata/transform.ts';
import { yahooChartSource } from '../yahoo/source.ts';
import type { quoteSchema } from './dataset.ts';

export type QuoteDraft = RecordDraft<typeof quoteSchema>;

/** Each provider's spelling of the symbol and where it lives (tests point `baseUrl` at a local server). */
interface ProviderOverride {
  symbol?: string;
  baseUrl?: string;
}

export interface QuotesOptions {
  /**
   * The last resort, served when every provider failed: a price you know and the day it is from.
   * Its rows say `static:quote-<symbol>` in `_provider` and carry `asOf` as their time.
   */
  lastResort: { price: number; asOf: string; currency?: string };
  /** @defaultValue the symbol as given */
  yahoo?: ProviderOverride;
  /** @defaultValue `<symbol>.us` in lower case (a US listing) */
  stooq?: ProviderOverride & { apiKey?: SecretRef };
  /** @defaultValue the symbol as given, key secret('TWELVEDATA_API_KEY') */
  twelvedata?: ProviderOverride & { apiKey?: SecretRef };
}

/** The provider names of the chain: each upstream's own, so its breaker and rate limit are shared with other pipelines. */
export const QUOTE_PROVIDERS = { yahoo: 'yahoo', stooq: 'stooq', twelvedata: 'twelvedata' } as const;

export function staticQuoteName(symbol: string): string {
  return `quote-${symbol.toLowerCase()}`;
}

/** The chain for one symbol; ConfigError when `lastResort` is missing or a provider cannot be asked. */
export function quotesSource(symbol: string, options: QuotesOptions): FallbackSourceDefinition {
  const where = `connectors.quotes("${symbol}")`;
  if (typeof symbol !== 'string' || symbol === '') throw new ConfigError('connectors.quotes: give a symbol');
  const last = options?.lastResort;
  if (typeof last?.price !== 'number' || !(last.price > 0)) {
    throw new ConfigError(
      `${where}: lastResort must give a positive price and the day it is from, e.g. { price: 156.9, asOf: '2022-09-20' }`,
    );
  }
  return fallback(
    yahooChartSource({
      symbol: options.yahoo?.symbol ?? symbol,
      interval: '1d',
      range: '1d',
      baseUrl: options.yahoo?.baseUrl,
      name: QUOTE_PROVIDERS.yahoo,
    }),
    stooqQuoteSource({
      symbol: options.stooq?.symbol ?? `${symbol.toLowerCase()}.us`,
      apiKey: options.stooq?.apiKey,
      baseUrl: options.stooq?.baseUrl,
      name: QUOTE_PROVIDERS.stooq,
      // A row of N/D must fail Stooq's call so the chain moves on to Twelve Data.
      noData: 'fail',
    }),
    twelveDataQuoteSource({
      symbol: options.twelvedata?.symbol ?? symbol,
      apiKey: options.twelvedata?.apiKey,
      baseUrl: options.twelvedata?.baseUrl,
      name: QUOTE_PROVIDERS.twelvedata,
    }),
    staticValue({
      name: staticQuoteName(symbol),
      records: { price: last.price, currency: last.currency ?? null },
      asOf: last.asOf,
    }),
  );
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const single = <T>(out: T | readonly T[] | null | undefined): T | undefined =>
  Array.isArray(out) ? out[0] : (out as T | undefined);

/** Yahoo's chart `meta` holds the last price and its time, whatever bars the range has. */
function fromYahoo(record: unknown): Omit<QuoteDraft, 'symbol'> | null {
  const result = isObject(record) && isObject(record.chart) ? record.chart.result : undefined;
  const meta = Array.isArray(result) && isObject(result[0]) ? result[0].meta : undefined;
  if (!isObject(meta)) return null;
  const seconds = meta.regularMarketTime;
  return {
    time: typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : seconds,
    price: meta.regularMarketPrice,
    currency: meta.currency,
  };
}

/**
 * One transform for every link: the record's provider (`origin.provider`) says whose answer it
 * is. Records carry the chain's `symbol`, not the provider's spelling (`aapl.us`).
 */
export function quotesTransform(symbol: string): Transform<unknown, QuoteDraft> {
  const staticName = `static:${staticQuoteName(symbol)}`;
  return (record, context) => {
    const provider = context.origin.provider;
    let quote: Omit<QuoteDraft, 'symbol'> | null | undefined;
    if (provider === QUOTE_PROVIDERS.yahoo) quote = fromYahoo(record);
    else if (provider === QUOTE_PROVIDERS.stooq) {
      const row = single(stooqQuoteTransform(record, context));
      quote = row && { time: row.time, price: row.close, currency: null };
    } else if (provider === QUOTE_PROVIDERS.twelvedata) {
      const row = single(twelveDataQuoteTransform(record, context));
      quote = row && { time: row.time, price: row.close, currency: row.currency };
    } else if (provider === staticName && isObject(record)) {
      const asOf = context.origin.asOf ?? '';
      const time = Number.isNaN(Date.parse(asOf)) ? asOf : new Date(Date.parse(asOf)).toISOString();
      quote = { time, price: record.price, currency: record.currency };
    }
    return quote ? { symbol, ...quote } : null;
  };
}

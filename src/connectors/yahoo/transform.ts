// Yahoo chart answers → bar records: parallel arrays unzipped, days in the exchange's zone, events on their day.
import { formatLocalDate, localDateTimeOf } from '../../domain/partition-window.ts';
import type { RecordDraft, Transform } from '../../domain/pipeline-definition.ts';
import { unzipColumns } from '../kit/unzip.ts';
import type { yahooBarSchema } from './dataset.ts';

export type YahooBarDraft = RecordDraft<typeof yahooBarSchema>;

interface ChartResult {
  meta?: {
    symbol?: unknown;
    currency?: unknown;
    exchangeTimezoneName?: unknown;
    dataGranularity?: unknown;
  };
  timestamp?: unknown;
  events?: { dividends?: unknown; splits?: unknown };
  indicators?: { quote?: unknown; adjclose?: unknown };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const firstOf = (list: unknown): Record<string, unknown> =>
  Array.isArray(list) && isObject(list[0]) ? list[0] : {};

/** The exchange's zone, checked once: Intl refuses an unknown one, and a guessed offset would be wrong half the year. */
function exchangeZone(meta: ChartResult['meta']): string {
  const zone = meta?.exchangeTimezoneName;
  if (typeof zone !== 'string') throw new Error('the answer has no meta.exchangeTimezoneName');
  try {
    localDateTimeOf(0, zone);
  } catch {
    throw new Error(`meta.exchangeTimezoneName ${JSON.stringify(zone)} is not an IANA time zone`);
  }
  return zone;
}

/** The exchange-local day of an epoch-seconds instant, or the value itself for the schema to refuse. */
function localDay(seconds: unknown, zone: string): unknown {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return seconds;
  return formatLocalDate(localDateTimeOf(seconds * 1000, zone));
}

/** `{ "<epoch>": { date, amount } }` → amount (or split ratio) by exchange-local day. */
function eventsByDay(
  events: unknown,
  zone: string,
  value: (event: Record<string, unknown>) => unknown,
): Map<unknown, unknown> {
  const byDay = new Map<unknown, unknown>();
  if (!isObject(events)) return byDay;
  for (const event of Object.values(events)) {
    if (isObject(event)) byDay.set(localDay(event.date, zone), value(event));
  }
  return byDay;
}

const splitRatio = (event: Record<string, unknown>): unknown =>
  typeof event.numerator === 'number' && typeof event.denominator === 'number' && event.denominator > 0
    ? event.numerator / event.denominator
    : Number.NaN;

function barsOf(result: ChartResult): YahooBarDraft[] {
  // A weekend or holiday range has no `timestamp` and `quote: [{}]`: no bars, not an error.
  if (!Array.isArray(result.timestamp) || result.timestamp.length === 0) return [];
  const meta = result.meta;
  const zone = exchangeZone(meta);
  const quote = firstOf(result.indicators?.quote);
  const hasAdjusted = Array.isArray(result.indicators?.adjclose);
  const rows = unzipColumns({
    time: result.timestamp,
    open: quote.open,
    high: quote.high,
    low: quote.low,
    close: quote.close,
    volume: quote.volume,
    adj_close: firstOf(result.indicators?.adjclose).adjclose,
  });
  const dividends = eventsByDay(result.events?.dividends, zone, (event) => event.amount);
  const splits = eventsByDay(result.events?.splits, zone, splitRatio);
  const bars: YahooBarDraft[] = [];
  for (const row of rows) {
    // Yahoo fills a bar without trades (intraday, a halted session) with nulls in every price.
    if ([row.open, row.high, row.low, row.close].every((price) => price === null)) continue;
    const date = localDay(row.time, zone);
    // An event belongs to the first bar of its day (intraday answers key it by the day's open).
    const dividend = dividends.get(date) ?? null;
    const split = splits.get(date) ?? null;
    dividends.delete(date);
    splits.delete(date);
    bars.push({
      symbol: meta?.symbol,
      interval: meta?.dataGranularity,
      time: typeof row.time === 'number' ? new Date(row.time * 1000).toISOString() : row.time,
      date,
      open: row.open,
      high: row.high,
      low: row.low,
      close: row.close,
      adj_close: hasAdjusted ? row.adj_close : null,
      volume: row.volume ?? null,
      currency: meta?.currency,
      dividend,
      split,
    });
  }
  return bars;
}

/**
 * One record per bar of every `chart.result`, in the answer's order. Prices are Yahoo's doubles
 * as sent (not rounded to `priceHint`). A bar with some prices null or not numbers gives a
 * record the schema rejects, so it is quarantined with its time; one whose four prices are all
 * null is a bar without trades and is left out. An answer without bars yields nothing, and the
 * run warns `no_records` instead of failing.
 */
export const yahooTransform: Transform<unknown, YahooBarDraft> = (record) => {
  if (!isObject(record) || !isObject(record.chart)) return null;
  const results = record.chart.result;
  if (!Array.isArray(results)) return null;
  return results.filter(isObject).flatMap((result) => barsOf(result as ChartResult));
};

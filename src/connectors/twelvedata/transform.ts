// Twelve Data answers → quote and bar records: decimal strings to numbers, exchange-local datetimes to UTC.
import { numberOrNull } from '../../domain/cell-values.ts';
import { localDateTimeOf } from '../../domain/partition-window.ts';
import type { RecordDraft, Transform } from '../../domain/pipeline-definition.ts';
import { localTimeToUtc } from '../kit/local-time.ts';
import type { twelveDataBarSchema, twelveDataQuoteSchema } from './dataset.ts';

export type TwelveDataQuoteDraft = RecordDraft<typeof twelveDataQuoteSchema>;
export type TwelveDataBarDraft = RecordDraft<typeof twelveDataBarSchema>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Prices and volumes come as decimal strings (`"177.91010"`); text that is not a number becomes NaN for the schema. */
const decimal = (value: unknown): unknown =>
  typeof value === 'string' ? numberOrNull(value) : (value ?? null);

/**
 * `2023-08-24 11:09:00` (or `2023-08-24`) on the exchange's wall clock → the UTC instant, with the
 * zone of `meta.exchange_timezone` (a repeated autumn hour resolves to its first occurrence).
 * Anything else is kept for the schema to refuse.
 */
function exchangeInstant(datetime: unknown, zone: string): unknown {
  if (typeof datetime !== 'string') return datetime;
  const instant = localTimeToUtc(datetime, zone);
  return Number.isNaN(instant.getTime()) ? datetime : instant.toISOString();
}

function checkedZone(zone: unknown): string {
  if (typeof zone !== 'string') throw new Error('the answer has no meta.exchange_timezone');
  try {
    localDateTimeOf(0, zone);
  } catch {
    throw new Error(`meta.exchange_timezone ${JSON.stringify(zone)} is not an IANA time zone`);
  }
  return zone;
}

/** A `/quote` answer → one record; `timestamp` is epoch seconds, `datetime` the exchange's day. */
export const twelveDataQuoteTransform: Transform<unknown, TwelveDataQuoteDraft> = (record) => {
  if (!isObject(record)) return null;
  const seconds = record.timestamp;
  return {
    symbol: record.symbol,
    exchange: record.exchange,
    currency: record.currency,
    time:
      typeof seconds === 'number' && Number.isFinite(seconds)
        ? new Date(seconds * 1000).toISOString()
        : seconds,
    date: record.datetime,
    open: decimal(record.open),
    high: decimal(record.high),
    low: decimal(record.low),
    close: decimal(record.close),
    volume: decimal(record.volume),
    previous_close: decimal(record.previous_close),
    is_market_open: record.is_market_open,
  };
};

/** A `/time_series` answer → one record per value, oldest first (Twelve Data sends newest first). */
export const twelveDataSeriesTransform: Transform<unknown, TwelveDataBarDraft> = (record) => {
  if (!isObject(record) || !isObject(record.meta) || !Array.isArray(record.values)) return null;
  const { meta } = record;
  const zone = checkedZone(meta.exchange_timezone);
  return record.values
    .filter(isObject)
    .map((value) => ({
      symbol: meta.symbol,
      interval: meta.interval,
      time: exchangeInstant(value.datetime, zone),
      open: decimal(value.open),
      high: decimal(value.high),
      low: decimal(value.low),
      close: decimal(value.close),
      volume: decimal(value.volume),
    }))
    .reverse();
};

// Stooq CSV rows → daily and quote records: text cells to numbers, Warsaw wall-clock times to UTC.
import { numberOrNull } from '../../domain/cell-values.ts';
import type { RecordDraft, Transform } from '../../domain/pipeline-definition.ts';
import { localTimeToUtc } from '../kit/local-time.ts';
import type { stooqDailySchema, stooqQuoteSchema } from './dataset.ts';

export type StooqDailyDraft = RecordDraft<typeof stooqDailySchema>;
export type StooqQuoteDraft = RecordDraft<typeof stooqQuoteSchema>;

/** Stooq writes the time of a quote in Warsaw, whatever the exchange (22:00 there is the US close). */
export const STOOQ_ZONE = 'Europe/Warsaw';

type Row = Record<string, string | undefined>;

const isRow = (value: unknown): value is Row => typeof value === 'object' && value !== null;

/**
 * A price cell: `N/D` (Stooq's "no data") and any other text become NaN through numberOrNull, so
 * the schema refuses the row and the quarantine keeps it with its line, never a stored 0 or null.
 * Only a cell that is absent or empty is null, and prices are not nullable.
 */
const cell = (text: string | undefined): number | null => numberOrNull(text);

/** `2022-12-09` and `22:00:03` in Warsaw → the UTC instant; anything else (`N/D`) is kept for the schema to refuse. */
function warsawInstant(date: string | undefined, time: string | undefined): unknown {
  const text = `${date ?? ''} ${time ?? ''}`.trim();
  const instant = localTimeToUtc(text, STOOQ_ZONE);
  return Number.isNaN(instant.getTime()) ? text : instant.toISOString();
}

/** The history CSV has no symbol column: the transform of one request carries it. */
export function stooqHistoryTransform(symbol: string): Transform<unknown, StooqDailyDraft> {
  const upper = symbol.toUpperCase();
  return (record) => {
    if (!isRow(record)) return null;
    return {
      symbol: upper,
      date: record.Date,
      open: cell(record.Open),
      high: cell(record.High),
      low: cell(record.Low),
      close: cell(record.Close),
      volume: cell(record.Volume),
    };
  };
}

/** One quote row (`Symbol,Date,Time,Open,High,Low,Close,Volume`) → one record. */
export const stooqQuoteTransform: Transform<unknown, StooqQuoteDraft> = (record) => {
  if (!isRow(record)) return null;
  return {
    symbol: record.Symbol,
    time: warsawInstant(record.Date, record.Time),
    open: cell(record.Open),
    high: cell(record.High),
    low: cell(record.Low),
    close: cell(record.Close),
    volume: cell(record.Volume),
  };
};

// The datasets Stooq CSV goes into: daily bars by symbol and day, quotes by symbol and time.
import { z } from 'zod';
import { dataset } from '../../domain/dataset-definition.ts';

const price = z.number().positive();
/** Stooq's spelling, upper-cased as its quotes answer it: `AAPL.US`, `^SPX`, `EURUSD`, `CDR`. */
const symbol = z.string().min(1);

export const stooqDailySchema = z.object({
  symbol,
  /** The trading day, as Stooq writes it (no time, no zone). */
  date: z.iso.date(),
  /**
   * Adjusted by Stooq for splits and dividends alike: AAPL's 2024-07-01 close is 215.286, the
   * day's real 216.75 times a constant 0.9932; a later dividend moves every earlier row again.
   */
  open: price,
  high: price,
  low: price,
  close: price,
  /** Indices and currencies have no Volume column. */
  volume: z.number().int().nonnegative().nullable(),
});
export type StooqDaily = z.output<typeof stooqDailySchema>;

export const stooqQuoteSchema = z.object({
  symbol,
  /** The last trade, UTC (Stooq writes its date and time in Europe/Warsaw). */
  time: z.iso.datetime(),
  open: price,
  high: price,
  low: price,
  close: price,
  volume: z.number().int().nonnegative().nullable(),
});
export type StooqQuote = z.output<typeof stooqQuoteSchema>;

/** `stooq_daily`, keyed by symbol and day. */
export const stooqDaily = dataset('stooq_daily', {
  schema: stooqDailySchema,
  key: ['symbol', 'date'],
  time: 'date',
  description: 'Daily bars (OHLCV) from Stooq, adjusted for splits and dividends.',
});

/** `stooq_quotes`, keyed by symbol and time of the last trade. */
export const stooqQuotes = dataset('stooq_quotes', {
  schema: stooqQuoteSchema,
  key: ['symbol', 'time'],
  time: 'time',
  description: 'Latest quotes (OHLCV of the current or last session) from Stooq.',
});

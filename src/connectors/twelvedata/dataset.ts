// The datasets Twelve Data goes into: quotes by symbol and time, time-series bars by symbol, interval and start.
import { z } from 'zod';
import { dataset } from '../../domain/dataset-definition.ts';

const price = z.number().positive();

export const twelveDataQuoteSchema = z.object({
  symbol: z.string().min(1),
  /** The exchange's name as Twelve Data gives it (`NASDAQ`). */
  exchange: z.string().min(1),
  currency: z.string().min(1),
  /** The quote's `timestamp`, UTC: the last second of the session once it closed (19:59:59Z for New York). */
  time: z.iso.datetime(),
  /** The trading day (`datetime`), in the exchange's zone. */
  date: z.iso.date(),
  open: price,
  high: price,
  low: price,
  close: price,
  volume: z.number().int().nonnegative().nullable(),
  previous_close: price.nullable(),
  is_market_open: z.boolean(),
});
export type TwelveDataQuote = z.output<typeof twelveDataQuoteSchema>;

export const twelveDataBarSchema = z.object({
  symbol: z.string().min(1),
  /** As asked: `1min`, `5min`, `1h`, `1day` … */
  interval: z.string().min(1),
  /** The bar's start, UTC, from Twelve Data's exchange-local `datetime` (local midnight for `1day` and longer). */
  time: z.iso.datetime(),
  open: price,
  high: price,
  low: price,
  close: price,
  /** Currencies and some indices have none. */
  volume: z.number().int().nonnegative().nullable(),
});
export type TwelveDataBar = z.output<typeof twelveDataBarSchema>;

/** `twelvedata_quotes`, keyed by symbol and time. */
export const twelveDataQuotes = dataset('twelvedata_quotes', {
  schema: twelveDataQuoteSchema,
  key: ['symbol', 'time'],
  time: 'time',
  description: 'Latest quotes (OHLCV of the current or last session) from Twelve Data.',
});

/** `twelvedata_bars`, keyed by symbol, interval and bar start. */
export const twelveDataBars = dataset('twelvedata_bars', {
  schema: twelveDataBarSchema,
  key: ['symbol', 'interval', 'time'],
  time: 'time',
  description: 'Price bars (OHLCV) from the Twelve Data time series.',
});

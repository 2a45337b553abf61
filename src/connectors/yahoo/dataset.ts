// The dataset Yahoo chart bars go into: one row per symbol, interval and bar start.
import { z } from 'zod';
import { dataset } from '../../domain/dataset-definition.ts';

const price = z.number().positive();

export const yahooBarSchema = z.object({
  /** As Yahoo writes it: `AAPL`, `GC=F`, `^GSPC`, `EURUSD=X`. */
  symbol: z.string().min(1),
  /** The answer's `dataGranularity`: `1m`, `5m`, `1h`, `1d`, `1wk`, `1mo` … */
  interval: z.string().min(1),
  /** The bar's start, UTC (daily bars start at the session open, not at midnight). */
  time: z.iso.datetime(),
  /** The trading day the bar belongs to, in the exchange's own zone (`exchangeTimezoneName`). */
  date: z.iso.date(),
  open: price,
  high: price,
  low: price,
  /** Split-adjusted, as Yahoo sends it; not adjusted for dividends. */
  close: price,
  /** Adjusted for splits and dividends as of the request; only for intervals of a day or more. */
  adj_close: price.nullable(),
  /** Futures and some indices send none. */
  volume: z.number().int().nonnegative().nullable(),
  /** ISO 4217 of the prices (`meta.currency`). */
  currency: z.string().min(1),
  /** Cash dividend per share going ex on this day. */
  dividend: z.number().positive().nullable(),
  /** Shares after the split per share before it (4 for a 4:1 split) on this day. */
  split: z.number().positive().nullable(),
});
export type YahooBar = z.output<typeof yahooBarSchema>;

/** `market_bars`, keyed by symbol, interval and bar start; `date` is the exchange-local trading day. */
export const yahooBars = dataset('market_bars', {
  schema: yahooBarSchema,
  key: ['symbol', 'interval', 'time'],
  time: 'time',
  description: 'Price bars (OHLCV) with adjusted close, dividends and splits, from the Yahoo chart API.',
});

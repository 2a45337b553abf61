// The dataset the quotes chain goes into: one price per symbol and time, whichever provider served it.
import { z } from 'zod';
import { dataset } from '../../domain/dataset-definition.ts';

export const quoteSchema = z.object({
  /** The symbol as the chain was asked for it (`AAPL`), not each provider's spelling. */
  symbol: z.string().min(1),
  /** When the price is from, UTC: the last trade, or the static value's `asOf`. */
  time: z.iso.datetime(),
  /** The last price (Yahoo's regularMarketPrice, Stooq's and Twelve Data's close). */
  price: z.number().positive(),
  /** ISO 4217; Stooq does not say. */
  currency: z.string().min(1).nullable(),
});
export type Quote = z.output<typeof quoteSchema>;

/** `quotes`, keyed by symbol and time; `_provider` says which link of the chain served each row. */
export const quotes = dataset('quotes', {
  schema: quoteSchema,
  key: ['symbol', 'time'],
  time: 'time',
  description: 'Last prices from Yahoo, else Stooq, else Twelve Data, else a static value with its date.',
});

// The dataset Frankfurter rates go into: one row per day, base and quote currency.
import { z } from 'zod';
import { dataset } from '../../domain/dataset-definition.ts';

/** An ISO 4217 code as Frankfurter writes it: three capital letters. */
export const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'a three-letter ISO 4217 code such as EUR');

export const frankfurterRateSchema = z.object({
  /** The ECB working day the rate is from (Frankfurter republishes the ECB reference rates). */
  date: z.iso.date(),
  base: currencyCode,
  quote: currencyCode,
  /** Units of `quote` for one unit of `base`. */
  rate: z.number().positive(),
});
export type FrankfurterRate = z.output<typeof frankfurterRateSchema>;

/**
 * `fx_rates`, keyed by day and currency pair. Taken as is, or as the model of a dataset of your
 * own (another name, a freshness rule): `dataset('my_rates', { schema: frankfurterRateSchema, … })`.
 */
export const frankfurterRates = dataset('fx_rates', {
  schema: frankfurterRateSchema,
  key: ['date', 'base', 'quote'],
  time: 'date',
  description: 'Daily reference exchange rates: units of quote per one base (ECB via Frankfurter).',
});

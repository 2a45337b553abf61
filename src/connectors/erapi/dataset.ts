// The dataset ExchangeRate-API rates go into: `fx_rates`, the definition Frankfurter and the ECB use.
import { frankfurterRateSchema, frankfurterRates } from '../frankfurter/dataset.ts';

/**
 * The same record as the ECB's and Frankfurter's (date, base, quote, rate), one definition so the
 * three connectors and `fxRates` fit one config. `date` is the UTC day of the answer's
 * `time_last_update_unix` (open.er-api.com updates once a day, around 00:00 UTC).
 */
export const erapiRateSchema = frankfurterRateSchema;
export type { FrankfurterRate as ErapiRate } from '../frankfurter/dataset.ts';

export const erapiRates = frankfurterRates;

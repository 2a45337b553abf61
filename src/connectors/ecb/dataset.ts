// The dataset ECB rates go into: `fx_rates`, the very definition Frankfurter's rates use.
import { frankfurterRateSchema, frankfurterRates } from '../frankfurter/dataset.ts';

/**
 * The ECB's record is Frankfurter's (Frankfurter republishes these rates): date, base, quote, rate.
 * One definition, not a copy, so a config may hold both connectors and `fxRates` (two different
 * datasets named `fx_rates` would be refused).
 */
export const ecbRateSchema = frankfurterRateSchema;
export type { FrankfurterRate as EcbRate } from '../frankfurter/dataset.ts';

/** `fx_rates`, keyed by day and currency pair; `base` is always EUR in what the ECB publishes. */
export const ecbRates = frankfurterRates;

// Frankfurter answers → rate records: one per day and quote currency, divided by the `amount` asked for.
import type { RecordDraft, Transform } from '../../domain/pipeline-definition.ts';
import type { frankfurterRateSchema } from './dataset.ts';

export type FrankfurterRateDraft = RecordDraft<typeof frankfurterRateSchema>;

/** A day (`/latest`, `/2025-06-13`) or a range (`/2024-01-01..2024-01-05`), as Frankfurter sends them. */
interface FrankfurterAnswer {
  amount?: unknown;
  base?: unknown;
  date?: unknown;
  start_date?: unknown;
  rates?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Rates come multiplied by `amount` (`?amount=10` gives ten euros' worth); each record is per
 * one unit of `base`, divided as a double and not rounded again. A rate or amount that is not a
 * positive number gives a record the schema rejects, so it is quarantined with its day and pair.
 * A range's days come in date order (the answer's key order is not promised). `base` is the
 * answer's own: Frankfurter leaves it out of `rates`, so `symbols` naming the base yield no base→base row.
 */
export const frankfurterTransform: Transform<unknown, FrankfurterRateDraft> = (record) => {
  if (!isObject(record)) return null;
  const answer = record as FrankfurterAnswer;
  const amount = answer.amount ?? 1;
  const perUnit = (value: unknown): unknown => {
    if (typeof value !== 'number') return value;
    return typeof amount === 'number' && amount > 0 ? value / amount : Number.NaN;
  };
  const rowsOf = (date: unknown, rates: unknown): FrankfurterRateDraft[] =>
    isObject(rates)
      ? Object.entries(rates).map(([quote, value]) => ({
          date,
          base: answer.base,
          quote,
          rate: perUnit(value),
        }))
      : [];
  if (!isObject(answer.rates)) return null;
  if (answer.start_date === undefined) return rowsOf(answer.date, answer.rates);
  return Object.keys(answer.rates)
    .sort()
    .flatMap((day) => rowsOf(day, (answer.rates as Record<string, unknown>)[day]));
};

// open.er-api.com answers → rate records: one per quote currency, dated by the answer's last update.
import type { RecordDraft, Transform } from '../../domain/pipeline-definition.ts';
import type { erapiRateSchema } from './dataset.ts';

export type ErapiRateDraft = RecordDraft<typeof erapiRateSchema>;

interface ErapiAnswer {
  base_code?: unknown;
  time_last_update_unix?: unknown;
  rates?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The UTC day of an epoch in seconds; anything else stays as it is, for the schema to refuse. */
function utcDay(epochSeconds: unknown): unknown {
  if (typeof epochSeconds !== 'number' || !Number.isFinite(epochSeconds)) return epochSeconds;
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}

/**
 * Every rate but the base's own (`"USD":1` in a USD answer says nothing), in the answer's order.
 * `date` is the UTC day of `time_last_update_unix` (`1724025751` → `2024-08-19`): the API dates
 * its rates by its last update, not by a market day. Rates are used as sent (`"BBD":2` is 2);
 * one that is not a positive number gives a record the schema rejects.
 */
export const erapiTransform: Transform<unknown, ErapiRateDraft> = (record) => {
  if (!isObject(record)) return null;
  const answer = record as ErapiAnswer;
  if (!isObject(answer.rates)) return null;
  const date = utcDay(answer.time_last_update_unix);
  return Object.entries(answer.rates)
    .filter(([quote]) => quote !== answer.base_code)
    .map(([quote, rate]) => ({ date, base: answer.base_code, quote, rate }));
};

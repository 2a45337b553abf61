// ECB rate files → rate records: one per day and currency, EUR the base, in date order.
import { numberOrNull } from '../../domain/cell-values.ts';
import type { RecordDraft, Transform } from '../../domain/pipeline-definition.ts';
import { xmlRows } from '../kit/xml.ts';
import type { ecbRateSchema } from './dataset.ts';
import { ENVELOPE } from './source.ts';

export type EcbRateDraft = RecordDraft<typeof ecbRateSchema>;

/** Envelope → the one `Cube` → a `Cube time` per day → a `Cube currency rate` per currency. */
export const ECB_RATES_PATH = `${ENVELOPE}.Cube.Cube.Cube`;

/**
 * Every rate of the file with the `time` of the day that holds it: the daily file's one day, or
 * the history files' days (newest first there; the records come oldest first, each day's
 * currencies in the file's order). A day holds the currencies the ECB quoted that day (HRK until
 * 2022, RUB suspended in 2022), so a currency is absent from some days rather than null. `rate` is
 * units per one euro as the ECB writes it (`'0.84770'` → 0.8477); a rate that is not a number
 * gives a record the schema rejects, quarantined with its day and currency.
 */
export const ecbTransform: Transform<unknown, EcbRateDraft> = (document) =>
  xmlRows(document, ECB_RATES_PATH)
    .map((row) => ({
      date: row.time,
      base: 'EUR',
      quote: row.currency,
      rate: typeof row.rate === 'string' ? numberOrNull(row.rate) : row.rate,
    }))
    // Array sort is stable: within a day the file's order stays.
    .sort((a, b) => String(a.date).localeCompare(String(b.date)));

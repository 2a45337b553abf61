// Open-Meteo answers → one record per place, model, block, step and variable, times in UTC.
//
// Open-Meteo writes every `time` as the UTC instant plus ONE offset, `utc_offset_seconds`: the
// zone's offset at the moment of the request (its ForecastApiResult.swift formats
// `time.add(utc_offset_seconds)`; maintainer in open-meteo#261: "the API will use whatever UTC
// offset is currently valid"). The strings are therefore a uniform grid, not the zone's wall
// clock: across a DST change they neither skip the spring hour nor repeat the autumn one, and a
// past January asked in summer reads on the summer offset. Subtracting that same offset is the
// exact inverse; reading the strings through the IANA zone would shift every value past a change
// by an hour and fold two hours onto one instant (see docs/connectors.md, "Open-Meteo").
import type { RecordDraft, Transform, TransformContext } from '../../domain/pipeline-definition.ts';
import { parseLocalTime, wallClockAsUtcMs } from '../kit/local-time.ts';
import { unzipColumns } from '../kit/unzip.ts';
import { OpenMeteoResolution, type openMeteoValueSchema } from './dataset.ts';

export type OpenMeteoValueDraft = RecordDraft<typeof openMeteoValueSchema>;

/** The model of values without a suffix when none was asked. */
export const DEFAULT_MODEL = 'best_match';

const BLOCKS = [
  OpenMeteoResolution.current,
  OpenMeteoResolution.minutely15,
  OpenMeteoResolution.hourly,
  OpenMeteoResolution.daily,
] as const;

// Keys of a block that are about the step, not values of a variable.
const NOT_VARIABLES = new Set(['time', 'interval']);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A `time` of the answer → epoch ms: ISO text minus `utc_offset_seconds` (text with its own
 * offset is taken as written), or epoch seconds (`timeformat=unixtime`, already UTC). NaN for
 * anything else, so the record is refused with the raw time.
 */
export function openMeteoInstant(time: unknown, utcOffsetSeconds: unknown): number {
  if (typeof time === 'number') return time * 1000;
  if (typeof time !== 'string' || typeof utcOffsetSeconds !== 'number') return Number.NaN;
  const parsed = parseLocalTime(time);
  if (parsed === undefined) return Number.NaN;
  if (parsed.offset !== undefined) return Date.parse(time);
  return wallClockAsUtcMs(parsed) - utcOffsetSeconds * 1000;
}

/** `temperature_2m_meteofrance_arome_france` → its variable and model; the longest model suffix wins. */
function splitKey(key: string, models: readonly string[]): { variable: string; model: string | undefined } {
  if (models.length < 2) return { variable: key, model: models[0] ?? DEFAULT_MODEL };
  // icon_seamless is a suffix of meteoswiss_icon_seamless: try the longest first.
  const model = [...models]
    .sort((a, b) => b.length - a.length)
    .find((name) => key.endsWith(`_${name}`) && key.length > name.length + 1);
  if (model === undefined) return { variable: key, model: undefined };
  return { variable: key.slice(0, -(model.length + 1)), model };
}

export interface OpenMeteoTransformOptions {
  /** The models the source asked for, to read `_<model>` suffixes. @defaultValue [] (best_match) */
  models?: readonly string[];
}

/**
 * The transform for a request with these models. Per value: a number is kept; `null` (a model
 * without that variable or past its horizon, AROME after 42 h) is no record; a time value
 * (`sunrise`, unit `iso8601`) becomes epoch seconds with unit `unixtime`; anything else is kept
 * for the schema to refuse. A key with no suffix of the models asked gets no model: quarantined.
 */
export function openMeteoTransformFor(
  options: OpenMeteoTransformOptions = {},
): Transform<unknown, OpenMeteoValueDraft> {
  const models = options.models ?? [];
  return (record: unknown, _context: TransformContext) => {
    if (!isObject(record)) return null;
    const offset = record.utc_offset_seconds;
    const drafts: OpenMeteoValueDraft[] = [];
    for (const resolution of BLOCKS) {
      const block = record[resolution];
      if (!isObject(block)) continue;
      const units = isObject(record[`${resolution}_units`])
        ? (record[`${resolution}_units`] as Record<string, unknown>)
        : {};
      const rows = resolution === OpenMeteoResolution.current ? [block] : unzipColumns(block);
      for (const row of rows) {
        const instant = openMeteoInstant(row.time, offset);
        const time = Number.isFinite(instant) ? new Date(instant).toISOString() : row.time;
        for (const [key, raw] of Object.entries(row)) {
          if (NOT_VARIABLES.has(key) || raw === null || raw === undefined) continue;
          const { variable, model } = splitKey(key, models);
          let value: unknown = raw;
          let unit = units[key];
          if (unit === 'iso8601' || unit === 'unixtime') {
            value = openMeteoInstant(raw, offset) / 1000;
            unit = 'unixtime';
          }
          drafts.push({
            latitude: record.latitude,
            longitude: record.longitude,
            model,
            resolution,
            time,
            variable,
            value,
            unit,
          });
        }
      }
    }
    return drafts;
  };
}

/** The transform of a request without `models` (plain keys, model `best_match`). */
export const openMeteoTransform = openMeteoTransformFor();

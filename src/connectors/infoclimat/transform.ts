// Infoclimat export rows → observations: one per station, UTC instant and measured field.
import { numberOrNull } from '../../domain/cell-values.ts';
import type { Transform } from '../../domain/pipeline-definition.ts';
import { parseLocalTime, wallClockAsUtcMs } from '../kit/local-time.ts';
import { observationDraft, utcText, ObservationVariable as V } from '../kit/observation.ts';

/** Infoclimat's field → the shared variable; the units are those of its `metadata` block. */
export const infoclimatFields = {
  temperature: V.temperature,
  point_de_rosee: V.dewPoint,
  humidite: V.humidity,
  pression: V.pressure,
  vent_moyen: V.windSpeed,
  vent_rafales: V.windGust,
  vent_direction: V.windDirection,
  pluie_1h: V.precipitation1h,
  pluie_3h: V.precipitation3h,
  neige_au_sol: V.snowDepth,
  visibilite: V.visibility,
  nebulosite: V.cloudCover,
  temps_omm: V.presentWeather,
} as const satisfies Record<string, V>;

/** Numbers come as text; a number is taken as is; anything else is NaN for the schema to refuse. */
function cellNumber(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (value === null || value === undefined || typeof value === 'string') return numberOrNull(value);
  return Number.NaN;
}

/**
 * One row (`{id_station, dh_utc, temperature: "7.6", …}`) → its observations, in the order of
 * `infoclimatFields`. `dh_utc` is UTC without a zone mark. A null or empty cell is no
 * observation (Infoclimat writes both for "not measured"); text that is not a number is kept as
 * NaN so the record is quarantined. The `_params` list beside the stations' rows yields nothing.
 */
export const infoclimatTransform: Transform<unknown, ReturnType<typeof observationDraft>> = (record) => {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return null;
  const row = record as Record<string, unknown>;
  const parsed = typeof row.dh_utc === 'string' ? parseLocalTime(row.dh_utc) : undefined;
  const time = utcText(
    parsed && parsed.offset === undefined ? wallClockAsUtcMs(parsed) : Number.NaN,
    row.dh_utc,
  );
  return Object.entries(infoclimatFields).flatMap(([field, variable]) => {
    const value = cellNumber(row[field]);
    return value === null ? [] : [observationDraft('infoclimat', row.id_station, time, variable, value)];
  });
};

// Pioupiou live beacons → shared observations: one per beacon, measurement instant and variable.
import type { Transform } from '../../domain/pipeline-definition.ts';
import { observationDraft, utcText, ObservationVariable as V } from '../kit/observation.ts';

/** `measurements` fields → the shared variable (speeds in km/h, heading in degrees). */
export const pioupiouFields = {
  wind_speed_avg: V.windSpeed,
  wind_speed_min: V.windSpeedMin,
  wind_speed_max: V.windGust,
  wind_heading: V.windDirection,
  pressure: V.pressure,
} as const satisfies Record<string, V>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * One beacon (`{id, meta, location, measurements, status}`) → its last measurements, at
 * `measurements.date` (ISO UTC). `pressure` is null on beacons without a barometer: no row. A
 * beacon that is `off` still answers its last measurements: they come again with the same key and
 * change nothing. The station id is the beacon number as text.
 */
export const pioupiouTransform: Transform<unknown, ReturnType<typeof observationDraft>> = (record) => {
  if (!isObject(record) || !isObject(record.measurements)) return null;
  const measurements = record.measurements;
  const date = measurements.date;
  const time = utcText(typeof date === 'string' ? Date.parse(date) : Number.NaN, date);
  const station = typeof record.id === 'number' ? String(record.id) : record.id;
  return Object.entries(pioupiouFields).flatMap(([field, variable]) => {
    const value = measurements[field];
    return value === null || value === undefined
      ? []
      : [observationDraft('pioupiou', station, time, variable, value)];
  });
};

// Weather Underground PWS observations → shared observations: one per station, instant and variable.
import type { Transform } from '../../domain/pipeline-definition.ts';
import { observationDraft, utcText, ObservationVariable as V } from '../kit/observation.ts';

/** Top-level fields of an observation → the shared variable. */
export const wuFields = {
  humidity: V.humidity,
  winddir: V.windDirection,
  solarRadiation: V.solarRadiation,
  uv: V.uvIndex,
} as const satisfies Record<string, V>;

/** Fields of its `metric` block (units=m: °C, km/h, hPa, mm) → the shared variable. */
export const wuMetricFields = {
  temp: V.temperature,
  dewpt: V.dewPoint,
  heatIndex: V.heatIndex,
  windChill: V.windChill,
  windSpeed: V.windSpeed,
  windGust: V.windGust,
  pressure: V.pressure,
  precipRate: V.precipitationRate,
  precipTotal: V.precipitationToday,
} as const satisfies Record<string, V>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * One observation → its values. The instant is `obsTimeUtc` (ISO, Z); `obsTimeLocal` has no offset
 * and is not used. JSON `null` (a sensor the station lacks) is no observation; a value that is not
 * a number is kept for the schema to refuse. `metric.elev` is the station's height, not a reading.
 */
export const wuTransform: Transform<unknown, ReturnType<typeof observationDraft>> = (record) => {
  if (!isObject(record)) return null;
  const time = utcText(
    typeof record.obsTimeUtc === 'string' ? Date.parse(record.obsTimeUtc) : Number.NaN,
    record.obsTimeUtc,
  );
  const metric = isObject(record.metric) ? record.metric : {};
  const values = [
    ...Object.entries(wuMetricFields).map(([field, variable]) => [variable, metric[field]] as const),
    ...Object.entries(wuFields).map(([field, variable]) => [variable, record[field]] as const),
  ];
  return values.flatMap(([variable, value]) =>
    value === null || value === undefined
      ? []
      : [observationDraft('wu', record.stationID, time, variable, value)],
  );
};

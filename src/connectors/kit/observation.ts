// One record shape for what stations and beacons measure (Infoclimat, Weather Underground PWS,
// Pioupiou): one row per station, instant and variable, so networks that measure different
// things share one dataset without a column per variable.
import { z } from 'zod';
import { dataset } from '../../domain/dataset-definition.ts';

/**
 * The variables the station connectors yield, one vocabulary for every network; each connector's
 * docs section maps its upstream fields onto these. The unit of each is fixed: a record says it.
 */
export const ObservationVariable = {
  temperature: 'temperature',
  dewPoint: 'dew_point',
  heatIndex: 'heat_index',
  windChill: 'wind_chill',
  humidity: 'humidity',
  /** Reduced to mean sea level. */
  pressure: 'pressure',
  /** Mean wind over the network's averaging period. */
  windSpeed: 'wind_speed',
  windSpeedMin: 'wind_speed_min',
  /** Strongest wind of the period (a gust, or a beacon's maximum). */
  windGust: 'wind_gust',
  /** Where the wind comes from, degrees clockwise from north. */
  windDirection: 'wind_direction',
  precipitation1h: 'precipitation_1h',
  precipitation3h: 'precipitation_3h',
  precipitationRate: 'precipitation_rate',
  /** Since local midnight at the station. */
  precipitationToday: 'precipitation_today',
  snowDepth: 'snow_depth',
  visibility: 'visibility',
  cloudCover: 'cloud_cover',
  /** WMO present-weather code (`ww`), a code, not a quantity. */
  presentWeather: 'present_weather',
  solarRadiation: 'solar_radiation',
  uvIndex: 'uv_index',
} as const;
export type ObservationVariable = (typeof ObservationVariable)[keyof typeof ObservationVariable];

/** The unit every record of a variable carries (metric; the connectors ask for metric units). */
export const observationUnits = {
  temperature: '°C',
  dew_point: '°C',
  heat_index: '°C',
  wind_chill: '°C',
  humidity: '%',
  pressure: 'hPa',
  wind_speed: 'km/h',
  wind_speed_min: 'km/h',
  wind_gust: 'km/h',
  wind_direction: '°',
  precipitation_1h: 'mm',
  precipitation_3h: 'mm',
  precipitation_rate: 'mm/h',
  precipitation_today: 'mm',
  snow_depth: 'cm',
  visibility: 'm',
  cloud_cover: 'okta',
  present_weather: 'wmo code',
  solar_radiation: 'W/m²',
  uv_index: 'index',
} as const satisfies Record<ObservationVariable, string>;

export const observationSchema = z.object({
  /** The network the station belongs to (`infoclimat`, `wu`, `pioupiou`): station ids are only unique within one. */
  network: z.string().min(1),
  /** The station's id in its network, as the network writes it (`07015`, `IHERNE113`, `110`). */
  station: z.string().min(1),
  /** When the value was measured, UTC. */
  time: z.iso.datetime(),
  variable: z.enum(Object.values(ObservationVariable) as [ObservationVariable, ...ObservationVariable[]]),
  value: z.number(),
  unit: z.string().min(1),
});
export type Observation = z.output<typeof observationSchema>;

/**
 * `station_observations`, keyed by network, station, instant and variable; a value measured again
 * (a corrected reading) updates its row. Missing values are no row at all, never a null or 0.
 */
export const stationObservations = dataset('station_observations', {
  schema: observationSchema,
  key: ['network', 'station', 'time', 'variable'],
  time: 'time',
  write: 'merge',
  description: 'Station and beacon observations: one value per station, instant (UTC) and variable.',
});

/** The draft of one observation; the value stays as read so the schema judges it. */
export function observationDraft(
  network: string,
  station: unknown,
  time: unknown,
  variable: ObservationVariable,
  value: unknown,
): Record<keyof Observation, unknown> {
  return { network, station, time, variable, value, unit: observationUnits[variable] };
}

/** An instant as the schema stores it (`2024-10-05T00:00:00.000Z`); text it cannot read stays as is. */
export function utcText(instantMs: number, raw: unknown): unknown {
  return Number.isFinite(instantMs) ? new Date(instantMs).toISOString() : raw;
}

// The dataset Open-Meteo values go into: one row per place, model, resolution, instant and variable.
import { z } from 'zod';
import { dataset } from '../../domain/dataset-definition.ts';

/** Which block of the answer a value comes from: each has its own variables and time step. */
export const OpenMeteoResolution = {
  current: 'current',
  minutely15: 'minutely_15',
  hourly: 'hourly',
  daily: 'daily',
} as const;
export type OpenMeteoResolution = (typeof OpenMeteoResolution)[keyof typeof OpenMeteoResolution];

export const openMeteoValueSchema = z.object({
  /** The model grid point Open-Meteo answered for (snapped: not the latitude asked). */
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  /** `best_match` when no model was asked, else the model the value is from (`meteofrance_arome_france`). */
  model: z.string().regex(/^[a-z0-9_]+$/),
  resolution: z.enum([
    OpenMeteoResolution.current,
    OpenMeteoResolution.minutely15,
    OpenMeteoResolution.hourly,
    OpenMeteoResolution.daily,
  ]),
  /** Start of the step, UTC: the hour of an hourly value, the first instant of a daily one. */
  time: z.iso.datetime(),
  /** The variable without its model suffix (`temperature_2m`, `wind_speed_10m`, `temperature_2m_max`). */
  variable: z.string().regex(/^[a-z0-9_]+$/),
  value: z.number(),
  /** As the answer's `<block>_units` gives it (`°C`, `km/h`); `unixtime` for sunrise and sunset. */
  unit: z.string(),
});
export type OpenMeteoValue = z.output<typeof openMeteoValueSchema>;

/**
 * `weather_model_values`, keyed by place, model, resolution, instant and variable. A newer forecast
 * of the same hour updates its row (merge), so the table holds each model's latest word.
 */
export const openMeteoValues = dataset('weather_model_values', {
  schema: openMeteoValueSchema,
  key: ['latitude', 'longitude', 'model', 'resolution', 'time', 'variable'],
  time: 'time',
  description: 'Open-Meteo forecast and archive values: one per place, model, step (UTC) and variable.',
});

// Weather observations from two files: the Infoclimat open-data export (JSON) and a workbook of
// hill-site stations kept by hand (xlsx), loaded into one typed dataset.
import { dataset, defineConfig, files, pipeline, z } from 'sluice';

const optionalNumber = z.number().nullable();

export const weatherObservations = dataset('weather_observations', {
  schema: z.object({
    station: z.string().min(1),
    observed_at: z.date(),
    temperature_c: optionalNumber.refine(
      (t) => t === null || (t > -60 && t < 60),
      'temperature outside -60..60 °C',
    ),
    humidity_pct: z.number().min(0).max(100).nullable(),
    pressure_hpa: z.number().min(850).max(1100).nullable(),
    wind_mean_kmh: z.number().min(0).nullable(),
    wind_gust_kmh: z.number().min(0).nullable(),
    wind_direction_deg: z.number().min(0).max(360).nullable(),
    rain_1h_mm: z.number().min(0).nullable(),
  }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
  write: 'merge',
  description: 'Surface observations per station and hour (UTC).',
});

/** Infoclimat sends numbers as strings and a missing value as null or "". */
function numberOrNull(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return null;
  const parsed = Number(value);
  // Keep what cannot be read as a number, so validation quarantines it with the original value.
  return Number.isNaN(parsed) ? value : parsed;
}

type Cells = Record<string, unknown>;

export default defineConfig({
  datasets: [weatherObservations],
  pipelines: [
    pipeline('infoclimat_observations', {
      description: 'Infoclimat open-data export: 4 stations, hourly or 10-minute observations.',
      source: files({ dir: 'data', glob: 'infoclimat_*.json', records: 'hourly.*', name: 'infoclimat' }),
      // Under `sluice serve`: observations 08:00–18:00 every 2 hours, Paris time.
      schedule: { cron: '0 8-18/2 * * *', timezone: 'Europe/Paris' },
      into: weatherObservations,
      transform: (record) => {
        // `hourly._params` lists field names (strings) beside the per-station arrays: skip them.
        if (typeof record !== 'object' || record === null) return null;
        const r = record as Cells;
        return {
          station: r.id_station,
          // dh_utc is UTC without an offset: make it explicit before parsing.
          observed_at: typeof r.dh_utc === 'string' ? new Date(`${r.dh_utc.replace(' ', 'T')}Z`) : r.dh_utc,
          temperature_c: numberOrNull(r.temperature),
          humidity_pct: numberOrNull(r.humidite),
          pressure_hpa: numberOrNull(r.pression),
          wind_mean_kmh: numberOrNull(r.vent_moyen),
          wind_gust_kmh: numberOrNull(r.vent_rafales),
          wind_direction_deg: numberOrNull(r.vent_direction),
          rain_1h_mm: numberOrNull(r.pluie_1h),
        };
      },
    }),
    pipeline('hill_sites_workbook', {
      description: 'Hand-kept workbook of hill-site stations (one sheet, one row per reading).',
      source: files({ dir: 'data', glob: '*.xlsx', xlsx: { sheet: 'observations' }, name: 'workbook' }),
      schedule: { cron: '30 18 * * *', timezone: 'Europe/Paris' },
      into: weatherObservations,
      transform: (record) => {
        const r = record as Cells;
        return {
          station: r.station,
          observed_at: r.observed_at,
          temperature_c: numberOrNull(r.temperature_c),
          humidity_pct: numberOrNull(r.humidity_pct),
          pressure_hpa: numberOrNull(r.pressure_hpa),
          wind_mean_kmh: numberOrNull(r.wind_mean_kmh),
          wind_gust_kmh: numberOrNull(r.wind_gust_kmh),
          wind_direction_deg: numberOrNull(r.wind_direction_deg),
          rain_1h_mm: numberOrNull(r.rain_1h_mm),
        };
      },
    }),
  ],
});

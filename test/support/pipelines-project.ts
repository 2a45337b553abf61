// The pipelines suites' project: a scheduled CSV pipeline (weekdays 06:30 in Paris) and a weekly ×
// site partitioned one, both reading local files, and the CSVs that give them exact counts.
export const CONFIG = `import { dataset, defineConfig, files, numberOrNull, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({
    station: z.string().min(1),
    observed_at: z.coerce.date(),
    temperature_c: z.number().min(-90).max(60).nullable(),
  }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
  write: 'merge',
  freshness: { maxAge: '2h', series: ['station'] },
});
const siteReadings = dataset('site_readings', {
  schema: z.object({ site: z.string(), observed_at: z.coerce.date(), temperature_c: z.number().nullable() }),
  key: ['site', 'observed_at'],
  time: 'observed_at',
});
export default defineConfig({
  datasets: [readings, siteReadings],
  pipelines: [
    pipeline('readings_csv', {
      description: 'Station readings dropped as CSV files',
      source: files({ dir: 'data', glob: '*.csv' }),
      into: readings,
      schedule: { cron: '30 6 * * 1-5', timezone: 'Europe/Paris' },
      transform: (row) => ({
        station: row.station,
        observed_at: row.observed_at,
        temperature_c: numberOrNull(row.temperature_c),
      }),
    }),
    pipeline('site_weeks', {
      source: files({ name: 'site_files', dir: 'sites', glob: '*.csv' }),
      into: siteReadings,
      partitions: {
        time: { every: 'weekly', start: '2025-01-06' },
        keys: { name: 'site', values: ['annecy', 'chambery'] },
      },
      transform: (row, { params }) => ({
        site: params.site,
        observed_at: row.observed_at,
        temperature_c: numberOrNull(row.temperature_c),
      }),
    }),
  ],
});
`;

/** The first collection: 4 rows (two stations, from 2024, so both are stale). */
export const READINGS = `station,observed_at,temperature_c
07015,2024-10-05T00:00:00Z,11.2
07015,2024-10-05T01:00:00Z,10.9
07015,2024-10-05T02:00:00Z,
00052,2024-10-05T00:00:00Z,9.4
`;

/** The same file later: one value corrected, three rows added → 3 inserted, 1 updated, 3 unchanged. */
export const READINGS_LATER = `station,observed_at,temperature_c
07015,2024-10-05T00:00:00Z,11.4
07015,2024-10-05T01:00:00Z,10.9
07015,2024-10-05T02:00:00Z,
00052,2024-10-05T00:00:00Z,9.4
00052,2024-10-05T01:00:00Z,9.1
00052,2024-10-05T02:00:00Z,8.8
00052,2024-10-05T03:00:00Z,8.5
`;

/** A file whose one row the schema rejects (999 °C): a partial run. */
export const REJECTED = 'station,observed_at,temperature_c\n99998,2024-10-05T00:00:00Z,999\n';

export const SITES = 'observed_at,temperature_c\n2025-01-14T12:00:00Z,3.5\n2025-01-15T12:00:00Z,4\n';

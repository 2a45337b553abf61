// The sluice project the host server embeds: station readings from CSV files, collected hourly.
import { dataset, defineConfig, files, numberOrNull, pipeline, z } from 'sluice';

export const readings = dataset('readings', {
  schema: z.object({
    station: z.string().min(1),
    observed_at: z.coerce.date(),
    temperature_c: z.number().min(-90).max(60).nullable(),
  }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
  write: 'merge',
});

export default defineConfig({
  datasets: [readings],
  pipelines: [
    pipeline('readings_csv', {
      description: 'Station readings dropped into data/ as CSV files',
      source: files({ dir: 'data', glob: '*.csv' }),
      into: readings,
      // Fired by the scheduler the host starts with its server.
      schedule: { cron: '0 * * * *', timezone: 'UTC' },
      transform: (row) => {
        const cells = row as Record<string, string>;
        return {
          station: cells.station,
          observed_at: cells.observed_at,
          temperature_c: numberOrNull(cells.temperature_c),
        };
      },
    }),
  ],
});

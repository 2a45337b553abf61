// What liveness, readiness, stats and metrics answer.
import { z } from 'zod';
import { datasetStatsSchema } from './datasets.ts';
import { lastRunSchema } from './pipelines.ts';

export const livenessSchema = z.object({ status: z.string().describe('ok') });

export const readinessSchema = z.object({
  status: z.string().describe('ready'),
  database: z.string().describe('postgres or pglite'),
});

const runsByStatusSchema = z.record(z.string(), z.number().int()).describe('runs per status');

export const statsSchema = z.object({
  days: z.number().int(),
  datasets: z.array(datasetStatsSchema),
  runs: z.object({ allTime: runsByStatusSchema, inRange: runsByStatusSchema }),
});

/** `sluice status` over HTTP: it names the server's files, so it is for admins. */
export const statusSchema = z.object({
  database: z.object({
    kind: z.string().describe('postgres or pglite'),
    location: z.string().describe('the data directory, or the server and database name'),
    schema: z.string(),
    pendingMigrations: z.array(z.string()),
  }),
  config: z.string().describe('path of the loaded sluice.config.ts'),
  datasets: z.array(datasetStatsSchema),
  pipelines: z.array(
    z.object({
      name: z.string(),
      dataset: z.string(),
      source: z.string(),
      lastRun: lastRunSchema.nullable(),
    }),
  ),
});

/** Prometheus text by default; OpenMetrics when the Accept header asks for it. */
export const metricsResponse = {
  description: 'Prometheus text format 0.0.4, or OpenMetrics 1.0 for Accept: application/openmetrics-text',
  content: {
    'text/plain': { schema: z.string() },
    'application/openmetrics-text': { schema: z.string() },
  },
};

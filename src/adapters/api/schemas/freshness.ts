// What the freshness routes answer: project, dataset and series statuses, and what a refresh triggered.
import { z } from 'zod';
import { FreshnessStatus, SeriesStatus } from '../../../domain/freshness.ts';
import { instant } from './problem.ts';

const freshnessStatusSchema = z.enum(
  Object.values(FreshnessStatus) as [FreshnessStatus, ...FreshnessStatus[]],
);
const seriesStatusSchema = z.enum(Object.values(SeriesStatus) as [SeriesStatus, ...SeriesStatus[]]);
const seriesKeySchema = z
  .record(z.string(), z.unknown())
  .describe('the series columns’ values; {} when the dataset is one series');

const seriesSchema = z.object({
  dataset: z.string(),
  series: seriesKeySchema,
  status: seriesStatusSchema,
  lastTime: instant.nullable(),
  ageMs: z.number().nullable(),
  age: z.string().describe('ageMs for people, e.g. 27h 5m'),
  maxAge: z.string(),
  staleAt: instant.nullable(),
  provider: z.string().nullable(),
  lastRunId: z.guid().nullable(),
  updatedAt: instant.nullable(),
  statusChangedAt: instant.nullable(),
});

export const freshnessReportSchema = z.object({
  status: freshnessStatusSchema,
  checkedAt: instant,
  datasets: z.array(
    z.object({
      dataset: z.string(),
      status: freshnessStatusSchema,
      maxAge: z.string().nullable(),
      seriesColumns: z.array(z.string()),
      counts: z.object({
        series: z.number().int(),
        fresh: z.number().int(),
        stale: z.number().int(),
        never: z.number().int(),
      }),
      lastTime: instant.nullable(),
      pipelines: z.array(z.string()),
      lastSuccessfulRun: z
        .object({ id: z.guid(), pipeline: z.string(), status: z.string(), finishedAt: instant.nullable() })
        .nullable(),
      series: z.array(seriesSchema).describe('stalest first, at most limit; counts.series says how many'),
    }),
  ),
});

const targetSchema = { pipeline: z.string(), dataset: z.string() };

export const freshnessRefreshSchema = z.object({
  stale: z.array(
    z.object({
      dataset: z.string(),
      series: seriesKeySchema,
      status: seriesStatusSchema,
      lastTime: instant.nullable(),
      age: z.string(),
    }),
  ),
  triggered: z.array(z.object({ ...targetSchema, runId: z.guid() })),
  skipped: z.array(z.object({ ...targetSchema, reason: z.string() })),
  datasetsWithoutPipeline: z.array(z.string()),
});

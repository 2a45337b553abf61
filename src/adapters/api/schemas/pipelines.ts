// What the pipeline routes answer: pipelines with their last run, and a triggered run.
import { z } from 'zod';
import { instant } from './problem.ts';
import { runStatusSchema } from './run-report.ts';
import { runDetailSchema } from './runs.ts';
import { lastTickSchema } from './scheduler.ts';

export const lastRunSchema = z.object({
  pipeline: z.string(),
  id: z.guid(),
  status: z.string().describe('a run status'),
  finishedAt: instant.nullable(),
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.number().int(),
});

const scheduleSchema = z
  .object({
    cron: z.array(z.string()).readonly(),
    timezone: z.string().describe('the zone the cron is read in'),
    misfire: z.string(),
    origin: z.string().describe('definition, or env when SLUICE_SCHEDULE_* overrides it'),
    nextRuns: z.array(instant).describe('the next 3 run times'),
    lastTick: lastTickSchema,
  })
  .nullable()
  .describe('null when the pipeline has no schedule');

const partitioningSchema = z
  .object({
    shape: z.string().describe('how a partition key looks, e.g. weekly|site=<key>'),
    time: z
      .object({ every: z.string(), timezone: z.string() })
      .nullable()
      .describe('the time dimension: a run can be named by a local date (the trigger’s date)'),
    keys: z.array(
      z.object({
        name: z.string(),
        values: z
          .array(z.string())
          .nullable()
          .describe('the keys declared in the config; null when they live in a stored key set'),
      }),
    ),
  })
  .nullable()
  .describe('null for a pipeline without partitions; a trigger must name one otherwise');

const recentSchema = z
  .object({
    runs: z.number().int().describe('rated runs counted, at most 20'),
    succeeded: z.number().int(),
    partial: z.number().int(),
    failed: z.number().int(),
    successRate: z.number().min(0).max(1).nullable().describe('succeeded / runs; null without a run'),
  })
  .describe(
    'the last 20 runs that succeeded, were partial or failed (skipped and cancelled ones did no work)',
  );

export const pipelineListSchema = z.object({
  pipelines: z.array(
    z.object({
      name: z.string(),
      description: z.string().nullable(),
      dataset: z.string(),
      source: z.object({
        kind: z.string().describe('files, http, static, asyncJob or fallback'),
        name: z.string(),
      }),
      params: z.record(z.string(), z.string()).readonly(),
      lastRun: lastRunSchema.nullable(),
      status: z.string().describe('the last run’s status, or never_run'),
      schedule: scheduleSchema,
      partitioning: partitioningSchema,
      recent: recentSchema,
    }),
  ),
});

export const runQueuedSchema = z.object({ runId: z.guid(), status: z.literal('queued') });

export const runWaitedSchema = z.object({
  runId: z.guid(),
  status: runStatusSchema.describe('still queued or running when the run outlasted the wait (5 min)'),
  run: runDetailSchema,
});

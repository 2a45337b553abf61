// What the pipeline routes answer: pipelines with their last run, and a triggered run.
import { z } from 'zod';
import { instant } from './problem.ts';
import { runStatusSchema } from './run-report.ts';
import { runDetailSchema } from './runs.ts';

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
    }),
  ),
});

export const runQueuedSchema = z.object({ runId: z.guid(), status: z.literal('queued') });

export const runWaitedSchema = z.object({
  runId: z.guid(),
  status: runStatusSchema.describe('still queued or running when the run outlasted the wait (5 min)'),
  run: runDetailSchema,
});

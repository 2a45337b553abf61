// What the pipeline routes answer: pipelines with their last run, and a triggered run.
import { z } from 'zod';
import { PartitionEvery } from '../../../domain/partition-window.ts';
import { instant } from './problem.ts';
import { runStatusSchema } from './run-report.ts';
import { runDetailSchema } from './runs.ts';

const lastRunSchema = z.object({
  pipeline: z.string(),
  id: z.guid(),
  status: z.string().describe('a run status'),
  finishedAt: instant.nullable(),
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.number().int(),
});

/** How a pipeline is partitioned, so a client can offer a backfill or trigger form for it. */
const partitionsSchema = z.object({
  time: z
    .object({
      every: z.enum(Object.values(PartitionEvery) as [PartitionEvery, ...PartitionEvery[]]),
      timezone: z.string().describe('IANA zone the windows are aligned in'),
      start: instant.describe('first instant covered'),
      end: instant.nullable().describe('first instant no longer covered; null when open-ended'),
    })
    .nullable(),
  keys: z.array(z.string()).describe('the key dimensions’ names, in declaration order'),
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
      partitions: partitionsSchema.nullable().describe('null for a pipeline without partitions'),
    }),
  ),
});

export const runQueuedSchema = z.object({ runId: z.guid(), status: z.literal('queued') });

export const runWaitedSchema = z.object({
  runId: z.guid(),
  status: runStatusSchema.describe('still queued or running when the run outlasted the wait (5 min)'),
  run: runDetailSchema,
});

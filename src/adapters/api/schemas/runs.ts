// What the run routes answer: runs as the store reads them, with their report, lists and actions.
import { z } from 'zod';
import { instant } from './problem.ts';
import { quarantinedRecordSchema } from './quarantine.ts';
import { runErrorSchema, runQualitySchema, runReportSchema, runStatusSchema } from './run-report.ts';

export const runSchema = z
  .object({
    id: z.guid(),
    pipeline: z.string(),
    dataset: z.string(),
    status: runStatusSchema,
    trigger: z.string().describe('schedule, api:<token name>, cli, backfill:<id>, replay:<run id> …'),
    partitionKey: z.string().nullable(),
    attempt: z.number().int(),
    queuedAt: instant,
    startedAt: instant.nullable(),
    finishedAt: instant.nullable(),
    durationMs: z.number().nullable(),
    fetched: z.number().int(),
    produced: z.number().int(),
    valid: z.number().int(),
    rejected: z.number().int(),
    inserted: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    duplicateKeys: z.number().int(),
    provider: z.string().nullable(),
    errors: z.array(runErrorSchema),
    upstreamExecutionId: z.string().nullable(),
  })
  .meta({ id: 'Run' });

export const runDetailSchema = runSchema
  .extend({ report: runReportSchema.nullable() })
  .meta({ id: 'RunDetail' });

export const runListSchema = z.object({
  runs: z.array(runSchema),
  nextCursor: z.string().nullable().describe('pass as cursor for the next page; null on the last'),
});

export const runDetailBodySchema = z.object({
  run: runDetailSchema,
  quality: runQualitySchema.nullable().describe('the report’s quality section'),
  rejectedSamples: z.array(quarantinedRecordSchema).describe('up to 20 of the run’s quarantined records'),
});

export const runCancelledSchema = z.object({
  cancelled: z.object({
    id: z.guid(),
    pipeline: z.string(),
    previous: z.string().describe('the status before: queued or running'),
    reason: z.string().describe('cancelled by api:<token name>, as the run’s error says'),
  }),
});

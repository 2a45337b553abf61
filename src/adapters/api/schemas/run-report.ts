// A run's status, its errors and the report it stored: shared by the run, pipeline and quarantine answers.
import { z } from 'zod';
import { RunStatus } from '../../../domain/run-status.ts';
import { instant } from './problem.ts';

export const runStatusSchema = z.enum(Object.values(RunStatus) as [RunStatus, ...RunStatus[]]);

export const runErrorSchema = z.object({
  message: z.string(),
  code: z.string(),
  stack: z.string().optional().describe('admin tokens only'),
  at: instant,
  cancelledBy: z.string().optional().describe('who cancelled the run, on a cancellation entry'),
});

export const recordIssueSchema = z.object({
  path: z
    .array(z.union([z.string(), z.number()]))
    .readonly()
    .describe('field path; empty for the whole record'),
  code: z.string(),
  message: z.string(),
});

export const recordOriginSchema = z
  .object({
    provider: z.string(),
    file: z.string().optional(),
    url: z.string().optional(),
    line: z.number().int().optional().describe('1-based line (CSV, NDJSON) or row (xlsx)'),
    sheet: z.string().optional(),
    asOf: z.string().optional().describe('a static last resort: the date its values are from'),
    quarantine: z.object({ id: z.number().int(), stage: z.string() }).optional(),
  })
  .describe('where the item came from');

export const rejectionStageSchema = z.enum(['read', 'transform', 'validate', 'rule']);

const ruleCountSchema = z.object({ code: z.string(), path: z.string(), count: z.number().int() });

/** The quality section of a report: rule counts, the error rate against its limit, samples. */
export const runQualitySchema = z
  .object({
    input: z.number().int(),
    produced: z.number().int().optional(),
    valid: z.number().int(),
    rejected: z.number().int(),
    warned: z.number().int().optional(),
    errorRate: z.number(),
    maxErrorRate: z.number().nullable().optional(),
    issues: z.array(ruleCountSchema).optional(),
    warnings: z.array(ruleCountSchema).optional(),
    samples: z
      .array(
        z.object({
          raw: z.unknown(),
          record: z.unknown().optional(),
          outputIndex: z.number().int().optional(),
          issues: z.array(recordIssueSchema).readonly(),
          origin: recordOriginSchema,
          stage: rejectionStageSchema,
        }),
      )
      .optional(),
  })
  .meta({ id: 'RunQuality' });

/**
 * The report a run stored. Runs stored by older versions may lack parts added since, so only
 * what every version wrote is required.
 */
export const runReportSchema = z
  .object({
    runId: z.guid(),
    pipeline: z.string(),
    dataset: z.string(),
    partitionKey: z.string().optional(),
    status: runStatusSchema,
    dryRun: z.boolean().optional(),
    provider: z.string().optional(),
    providers: z
      .array(
        z.object({
          provider: z.string(),
          outcome: z.string(),
          message: z.string().optional(),
          asOf: z.string().optional(),
        }),
      )
      .optional()
      .describe('a fallback chain: each provider tried, in order'),
    counts: z.object({
      fetched: z.number().int(),
      produced: z.number().int(),
      valid: z.number().int(),
      rejected: z.number().int(),
      inserted: z.number().int(),
      updated: z.number().int(),
      unchanged: z.number().int(),
    }),
    filtered: z.number().int().optional(),
    duplicateKeys: z.number().int().optional(),
    warnings: z.array(z.object({ code: z.string(), message: z.string() })).optional(),
    quality: runQualitySchema.optional(),
    errors: z.array(runErrorSchema),
    timings: z
      .object({
        startedAt: instant,
        finishedAt: instant,
        durationMs: z.number(),
        writeMs: z.number().optional(),
      })
      .optional(),
  })
  .meta({ id: 'RunReport' });

// What the quarantine routes answer: rejected records with their issues, and a replay's outcome.
import { z } from 'zod';
import { instant } from './problem.ts';
import {
  recordIssueSchema,
  recordOriginSchema,
  rejectionStageSchema,
  runReportSchema,
} from './run-report.ts';

export const quarantinedRecordSchema = z
  .object({
    id: z.number().int(),
    runId: z.guid(),
    pipeline: z.string(),
    dataset: z.string(),
    stage: rejectionStageSchema,
    raw: z.unknown().describe('the source item exactly as received (any JSON)'),
    record: z.unknown().optional().describe('what the transform made of it; absent before the transform'),
    outputIndex: z.number().int().nullable(),
    rawKept: z.boolean(),
    issues: z.array(recordIssueSchema).readonly(),
    origin: recordOriginSchema,
    occurrences: z.number().int(),
    createdAt: instant,
    lastSeenAt: instant,
    lastRunId: z.guid(),
    replayedAt: instant.nullable(),
    replayRunId: z.guid().nullable(),
  })
  .meta({ id: 'QuarantinedRecord' });

export const quarantineListSchema = z.object({
  records: z.array(quarantinedRecordSchema),
  nextCursor: z.number().int().nullable().describe('pass as cursor for the next page; null on the last'),
});

export const replayResultSchema = z.object({
  originalRunId: z.guid(),
  report: runReportSchema.optional().describe('the replay run; absent when nothing could be replayed'),
  replayed: z.number().int(),
  notReplayable: z.number().int().describe('records the reader refused: they stay pending'),
});

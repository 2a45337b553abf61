// What the backfill routes answer: backfills with their partition counts, partitions and the grid.
import { z } from 'zod';
import { type BackfillAction, BackfillStatus, PartitionState } from '../../../domain/backfill.ts';
import { instant } from './problem.ts';

const partitionStateSchema = z.enum(Object.values(PartitionState) as [PartitionState, ...PartitionState[]]);

export const backfillSchema = z
  .object({
    id: z.guid(),
    pipeline: z.string(),
    status: z.enum(Object.values(BackfillStatus) as [BackfillStatus, ...BackfillStatus[]]),
    from: z.string().nullable(),
    to: z.string().nullable(),
    keys: z.array(z.string()),
    concurrency: z.number().int(),
    total: z.number().int().describe('partitions planned'),
    createdBy: z.string(),
    createdAt: instant,
    updatedAt: instant,
    finishedAt: instant.nullable(),
    error: z.string().nullable(),
    counts: z
      .object({
        total: z.number().int(),
        pending: z.number().int(),
        running: z.number().int(),
        succeeded: z.number().int(),
        failed: z.number().int(),
        skipped: z.number().int(),
        cancelled: z.number().int(),
      })
      .describe('partitions per state'),
  })
  .meta({ id: 'Backfill' });

/** Creation, the actions and a partition retry all answer the backfill as it is afterwards. */
export const backfillBodySchema = z.object({ backfill: backfillSchema });

const partitionSchema = z.object({
  ordinal: z.number().int(),
  partition: z.string(),
  timeKey: z.string().nullable(),
  rowKey: z.string().nullable(),
  status: partitionStateSchema,
  attempts: z.number().int(),
  runId: z.guid().nullable(),
  lastError: z.string().nullable(),
  startedAt: instant.nullable(),
  finishedAt: instant.nullable(),
});

export const backfillListSchema = z.object({ backfills: z.array(backfillSchema) });

export const backfillDetailSchema = z.object({
  backfill: backfillSchema,
  partitions: z.array(partitionSchema),
  grid: z.object({
    columns: z.array(z.string()).describe("time keys in plan order ('' without time partitions)"),
    rows: z.array(z.string()).describe("key rows in plan order ('' without key partitions)"),
    cells: z
      .array(
        z.array(
          z
            .object({
              partition: z.string(),
              status: partitionStateSchema,
              index: z.number().int().describe('the partition’s index in partitions'),
            })
            .nullable(),
        ),
      )
      .describe('cells[row][column]; null where the plan has no partition'),
  }),
});

/** The operationId of each action route, fixed so generated clients keep their method names. */
export const ACTION_OPERATION: Record<BackfillAction, string> = {
  pause: 'pauseBackfill',
  resume: 'resumeBackfill',
  cancel: 'cancelBackfill',
  'retry-failed': 'retryFailedPartitions',
};

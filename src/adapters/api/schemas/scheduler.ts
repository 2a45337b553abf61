// What the scheduler routes answer: whether it runs here, each job's next runs and last tick.
import { z } from 'zod';
import { instant } from './problem.ts';

export const lastTickSchema = z
  .object({
    scheduledAt: instant,
    outcome: z.string().describe('triggered, skipped, missed …'),
    reason: z.string().nullable(),
    runId: z.guid().nullable(),
  })
  .nullable();

export const schedulerStatusSchema = z.object({
  enabled: z.boolean().describe('whether this process fires schedules'),
  now: instant,
  jobs: z.array(z.object({ pipeline: z.string(), lastTick: lastTickSchema, nextRun: instant.nullable() })),
});

export const scheduledJobsSchema = z.object({
  jobs: z.array(
    z.object({
      pipeline: z.string(),
      cron: z.array(z.string()).readonly(),
      timezone: z.string(),
      misfire: z.string(),
      origin: z.string().describe('definition, or env when SLUICE_SCHEDULE_* overrides it'),
      nextRuns: z.array(instant),
      lastTick: lastTickSchema,
    }),
  ),
});

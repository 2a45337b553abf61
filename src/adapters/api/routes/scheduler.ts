// The scheduler over HTTP: whether it runs, each scheduled job with its next run times and last tick.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../../../engine/ports.ts';
import type { Sluice } from '../../../main.ts';
import { scheduledJobs } from '../../queue/scheduler.ts';
import { viewerProblems } from '../schemas/problem.ts';
import { scheduledJobsSchema, schedulerStatusSchema } from '../schemas/scheduler.ts';

export function schedulerRoutes(
  app: FastifyInstance,
  sluice: Sluice,
  state: { enabled: boolean; clock: Clock },
): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/scheduler/status',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['scheduler'],
        operationId: 'getSchedulerStatus',
        summary: 'Scheduler state and the last tick of each job (viewer)',
        response: { 200: schedulerStatusSchema, ...viewerProblems },
      },
    },
    async () => {
      const jobs = await scheduledJobs(sluice, state.clock.now(), 1);
      return {
        enabled: state.enabled,
        now: state.clock.now().toISOString(),
        jobs: jobs.map((job) => ({
          pipeline: job.pipeline,
          lastTick: job.lastTick,
          nextRun: job.nextRuns[0] ?? null,
        })),
      };
    },
  );
  api.get(
    '/api/scheduler/jobs',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['scheduler'],
        operationId: 'listScheduledJobs',
        summary: 'Every scheduled pipeline with its cron, zone, misfire policy and next run times (viewer)',
        querystring: z.object({ next: z.coerce.number().int().min(1).max(50).default(5) }),
        response: { 200: scheduledJobsSchema, ...viewerProblems },
      },
    },
    async (request) => ({ jobs: await scheduledJobs(sluice, state.clock.now(), request.query.next) }),
  );
}

// The scheduler over HTTP: whether it runs, each scheduled job with its next run times and last tick.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SluiceApp } from '../../../engine/app.ts';
import type { Clock } from '../../../engine/ports.ts';
import { viewerProblems } from '../schemas/problem.ts';
import { scheduledJobsSchema, schedulerStatusSchema } from '../schemas/scheduler.ts';

export function schedulerRoutes(
  server: FastifyInstance,
  app: SluiceApp,
  state: { enabled: () => boolean; clock: Clock },
): void {
  const api = server.withTypeProvider<ZodTypeProvider>();
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
      const jobs = await app.schedule.jobs({ now: state.clock.now(), count: 1 });
      return {
        enabled: state.enabled(),
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
    async (request) => ({
      jobs: await app.schedule.jobs({ now: state.clock.now(), count: request.query.next }),
    }),
  );
}

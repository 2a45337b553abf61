// Pipelines over HTTP: what each one is, its last run, and a manual trigger.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { partitionChoices, partitionFromOptions } from '../../../domain/partition-run.ts';
import type { SluiceApp } from '../../../engine/app.ts';
import type { RunDispatcher } from '../../../engine/run-dispatch.ts';
import { HttpProblem } from '../problem.ts';
import { runForRole } from '../run-view.ts';
import { pipelineListSchema, runQueuedSchema, runWaitedSchema } from '../schemas/pipelines.ts';
import { privilegedProblems, problems, viewerProblems } from '../schemas/problem.ts';

/** `wait=true` answers when the run ends or after this long, whichever comes first. */
const WAIT_LIMIT_MS = 5 * 60_000;

export function pipelineRoutes(server: FastifyInstance, app: SluiceApp, dispatcher: RunDispatcher): void {
  const api = server.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/pipelines',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['pipelines'],
        operationId: 'listPipelines',
        summary: 'Pipelines with their schedule, last run and recent success rate (viewer)',
        response: { 200: pipelineListSchema, ...viewerProblems },
      },
    },
    async () => {
      const [summaries, jobs] = await Promise.all([app.pipelines.list(), app.schedule.jobs({ count: 3 })]);
      const schedules = new Map(jobs.map((job) => [job.pipeline, job]));
      return {
        pipelines: summaries.map(({ pipeline, lastRun, recent }) => {
          const job = schedules.get(pipeline.name);
          return {
            name: pipeline.name,
            description: pipeline.description ?? null,
            dataset: pipeline.into.name,
            source: { kind: pipeline.source.kind, name: pipeline.source.name },
            params: pipeline.params,
            lastRun,
            status: lastRun?.status ?? 'never_run',
            schedule: job
              ? {
                  cron: job.cron,
                  timezone: job.timezone,
                  misfire: job.misfire,
                  origin: job.origin,
                  nextRuns: job.nextRuns,
                  lastTick: job.lastTick,
                }
              : null,
            partitioning: pipeline.partitioning ? partitionChoices(pipeline.partitioning) : null,
            recent,
          };
        }),
      };
    },
  );

  api.post(
    '/api/pipelines/:name/runs',
    {
      config: { policy: 'analyst' },
      schema: {
        tags: ['pipelines'],
        operationId: 'triggerRun',
        summary: 'Run a pipeline now; returns the run id, or the finished run with wait=true (analyst)',
        params: z.object({ name: z.string() }),
        querystring: z.object({
          wait: z
            .enum(['true', 'false'])
            .default('false')
            .transform((value) => value === 'true'),
          partition: z
            .string()
            .min(1)
            .optional()
            .describe('the partition of a partitioned pipeline, e.g. 2025-W03|site=annecy (URL-encoded)'),
          date: z.string().optional().describe('the time partition containing this local date, YYYY-MM-DD'),
        }),
        response: {
          200: runWaitedSchema.describe('with wait=true: the run once it ended'),
          202: runQueuedSchema.describe('the run is queued'),
          ...privilegedProblems,
          ...problems(404, 409),
        },
      },
    },
    async (request, reply) => {
      if (!app.project.config.pipelines.has(request.params.name)) {
        throw new HttpProblem(404, 'not_found', `pipeline "${request.params.name}" is not defined`);
      }
      const partition = partitionFromOptions(app.project.pipeline(request.params.name), request.query);
      const runId = await dispatcher.trigger(
        request.params.name,
        `api:${request.principal?.name ?? '?'}`,
        partition,
      );
      if (!request.query.wait) return reply.status(202).send({ runId, status: 'queued' });
      const run = await app.pipelines.wait(runId, WAIT_LIMIT_MS);
      return { runId, status: run.status, run: runForRole(run, request.principal) };
    },
  );
}

// Freshness over HTTP: project, dataset and series statuses, and refreshing the stalest series.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorCode, errorCode, errorMessage } from '../../../domain/errors.ts';
import { refreshTargets } from '../../../domain/freshness.ts';
import { type Clock, systemClock } from '../../../engine/ports.ts';
import type { Sluice } from '../../../main.ts';
import {
  freshnessProjectOf,
  readFreshnessReport,
  readStalestSeries,
} from '../../postgres/freshness-store.ts';
import { inProcessDispatcher, type RunDispatcher } from '../../queue/run-dispatch.ts';
import { freshnessRefreshSchema, freshnessReportSchema } from '../schemas/freshness.ts';
import { privilegedProblems, problems, viewerProblems } from '../schemas/problem.ts';

export function freshnessRoutes(
  app: FastifyInstance,
  sluice: Sluice,
  settings: { dispatcher?: RunDispatcher; clock?: Clock },
): void {
  const options = {
    dispatcher: settings.dispatcher ?? inProcessDispatcher(sluice),
    clock: settings.clock ?? systemClock,
  };
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/freshness',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['freshness'],
        operationId: 'getFreshness',
        summary: 'Freshness of the project, each dataset and its stalest series (viewer)',
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(10_000).default(100).describe('series per dataset'),
          dataset: z.string().optional().describe('only this dataset'),
        }),
        response: { 200: freshnessReportSchema, ...viewerProblems, ...problems(404) },
      },
    },
    async (request) =>
      readFreshnessReport(sluice.db, freshnessProjectOf(sluice), {
        now: options.clock.now(),
        limit: request.query.limit,
        dataset: request.query.dataset,
      }),
  );

  api.post(
    '/api/freshness/refresh',
    {
      config: { policy: 'analyst' },
      schema: {
        tags: ['freshness'],
        operationId: 'refreshStale',
        summary:
          'Trigger the pipelines feeding the stalest series (stale or never), each pipeline once (analyst)',
        body: z
          .object({
            limit: z
              .number()
              .int()
              .min(1)
              .max(1000)
              .optional()
              .describe('stalest series considered; default 10'),
            dataset: z.string().optional().describe('only series of this dataset'),
          })
          .strict()
          // Fastify hands a POST without a body over as null.
          .nullish(),
        response: {
          200: freshnessRefreshSchema.describe('nothing was triggered'),
          202: freshnessRefreshSchema.describe('at least one run was triggered'),
          ...privilegedProblems,
          ...problems(404),
        },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const series = await readStalestSeries(sluice.db, freshnessProjectOf(sluice), {
        now: options.clock.now(),
        limit: body.limit ?? 10,
        dataset: body.dataset,
      });
      const trigger = `freshness:api:${request.principal?.name ?? '?'}`;
      const triggered: Array<{ pipeline: string; dataset: string; runId: string }> = [];
      const skipped: Array<{ pipeline: string; dataset: string; reason: string }> = [];
      for (const target of refreshTargets(series, sluice.config.pipelines.values())) {
        try {
          triggered.push({ ...target, runId: await options.dispatcher.trigger(target.pipeline, trigger) });
        } catch (error) {
          // An active run (409), or a partitioned pipeline, which needs a partition: reported, not fatal.
          if (errorCode(error) !== ErrorCode.conflict && errorCode(error) !== ErrorCode.usage) throw error;
          skipped.push({ ...target, reason: errorMessage(error) });
        }
      }
      const stale = series.map(({ dataset, series: key, status, lastTime, age }) => ({
        dataset,
        series: key,
        status,
        lastTime,
        age,
      }));
      const datasetsWithoutPipeline = [...new Set(series.map((entry) => entry.dataset))].filter(
        (dataset) =>
          ![...sluice.config.pipelines.values()].some((pipeline) => pipeline.into.name === dataset),
      );
      return reply
        .status(triggered.length > 0 ? 202 : 200)
        .send({ stale, triggered, skipped, datasetsWithoutPipeline });
    },
  );
}

// Freshness over HTTP: project, dataset and series statuses, and refreshing the stalest series.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SluiceApp } from '../../../engine/app.ts';
import type { Clock } from '../../../engine/ports.ts';
import type { RunDispatcher } from '../../../engine/run-dispatch.ts';

export function freshnessRoutes(
  server: FastifyInstance,
  app: SluiceApp,
  options: { dispatcher: RunDispatcher; clock: Clock },
): void {
  const api = server.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/freshness',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['freshness'],
        summary: 'Freshness of the project, each dataset and its stalest series (viewer)',
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(10_000).default(100).describe('series per dataset'),
          dataset: z.string().optional().describe('only this dataset'),
        }),
      },
    },
    async (request) =>
      app.freshness.report({
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
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const outcome = await app.freshness.refresh(
        { now: options.clock.now(), limit: body.limit ?? 10, dataset: body.dataset },
        `freshness:api:${request.principal?.name ?? '?'}`,
        (pipeline, trigger) => options.dispatcher.trigger(pipeline, trigger),
      );
      return reply.status(outcome.triggered.length > 0 ? 202 : 200).send(outcome);
    },
  );
}

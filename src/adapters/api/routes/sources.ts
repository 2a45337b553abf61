// Source providers over HTTP: breaker state, stats and limits of each, and the admin's breaker reset.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../../../engine/ports.ts';
import type { Sluice } from '../../../main.ts';
import { listSourceStatus, resetSource } from '../../postgres/source-status.ts';
import { privilegedProblems, problems, viewerProblems } from '../schemas/problem.ts';
import { sourceListSchema, sourceResetSchema } from '../schemas/sources.ts';

export function sourceRoutes(app: FastifyInstance, sluice: Sluice, clock: Clock): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/sources',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['sources'],
        operationId: 'listSources',
        summary:
          'Every source provider: breaker state, failures, last success and failure, latency percentiles, rate-limit usage (viewer)',
        response: { 200: sourceListSchema, ...viewerProblems },
      },
    },
    async () => ({
      sources: await listSourceStatus(
        sluice.db,
        sluice.config.pipelines.values(),
        sluice.settings.overrides,
        clock.now(),
      ),
    }),
  );

  api.post(
    '/api/sources/:name/reset',
    {
      config: { policy: 'admin' },
      schema: {
        tags: ['sources'],
        operationId: 'resetSource',
        summary: 'Close a provider’s circuit breaker and clear its Retry-After deadline (admin)',
        params: z.object({ name: z.string().min(1) }),
        response: { 200: sourceResetSchema, ...privilegedProblems, ...problems(404) },
      },
    },
    async (request) => {
      const actor = `api:${request.principal?.name ?? '?'}`;
      const result = await resetSource(
        sluice.db,
        sluice.config.pipelines.values(),
        request.params.name,
        clock.now(),
        actor,
      );
      sluice.logger.info(
        { provider: result.provider, from: result.previousState, to: result.state, actor },
        `circuit breaker of "${result.provider}" reset by ${actor}`,
      );
      return result;
    },
  );
}

// Source providers over HTTP: breaker state, stats and limits of each, and the admin's breaker reset.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SluiceApp } from '../../../engine/app.ts';
import type { Clock } from '../../../engine/ports.ts';

export function sourceRoutes(server: FastifyInstance, app: SluiceApp, clock: Clock): void {
  const api = server.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/sources',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['sources'],
        summary:
          'Every source provider: breaker state, failures, last success and failure, latency percentiles, rate-limit usage (viewer)',
      },
    },
    async () => ({ sources: await app.sources.list(clock.now()) }),
  );

  api.post(
    '/api/sources/:name/reset',
    {
      config: { policy: 'admin' },
      schema: {
        tags: ['sources'],
        summary: 'Close a provider’s circuit breaker and clear its Retry-After deadline (admin)',
        params: z.object({ name: z.string().min(1) }),
      },
    },
    async (request) => {
      const actor = `api:${request.principal?.name ?? '?'}`;
      const result = await app.sources.reset(request.params.name, clock.now(), actor);
      server.log.info(
        { provider: result.provider, from: result.previousState, to: result.state, actor },
        `circuit breaker of "${result.provider}" reset by ${actor}`,
      );
      return result;
    },
  );
}

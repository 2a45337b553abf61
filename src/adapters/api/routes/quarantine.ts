// The quarantine over HTTP: browse rejected records, replay a run's records.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SluiceApp } from '../../../engine/app.ts';
import { HttpProblem } from '../problem.ts';

export function quarantineRoutes(server: FastifyInstance, app: SluiceApp): void {
  const api = server.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/quarantine',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['quality'],
        summary:
          'Quarantined records with their issues, newest first: one per distinct record, with its occurrences, ' +
          'first (createdAt) and last (lastSeenAt, lastRunId) sighting (viewer)',
        querystring: z.object({
          dataset: z.string().optional(),
          run: z.string().optional().describe('run id, or a unique prefix of at least 8 hex characters'),
          pending: z
            .enum(['true', 'false'])
            .default('false')
            .transform((value) => value === 'true'),
          limit: z.coerce.number().int().min(1).max(1000).default(50),
          cursor: z.coerce.number().int().positive().optional().describe('nextCursor of the previous page'),
        }),
      },
    },
    async (request) => {
      const { dataset, run, pending, limit, cursor } = request.query;
      if (dataset !== undefined && !app.project.config.datasets.has(dataset)) {
        throw new HttpProblem(404, 'not_found', `dataset "${dataset}" is not defined`);
      }
      const page = await app.quarantine.list({ dataset, run, pending, beforeId: cursor, limit });
      return { records: page.records, nextCursor: page.next };
    },
  );
  api.post(
    '/api/quarantine/replay',
    {
      config: { policy: 'analyst' },
      schema: {
        tags: ['quality'],
        summary: 'Re-validate a run’s quarantined records and write those that pass now (analyst)',
        querystring: z.object({ run: z.string().min(1) }),
      },
    },
    async (request) => app.runs.replay(request.query.run),
  );
}

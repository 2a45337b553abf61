// The quarantine over HTTP: browse rejected records, replay a run's records.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SluiceApp } from '../../../engine/app.ts';
import { HttpProblem } from '../problem.ts';
import { privilegedProblems, problems, viewerProblems } from '../schemas/problem.ts';
import { quarantineListSchema, replayResultSchema } from '../schemas/quarantine.ts';
import { rejectionStageSchema } from '../schemas/run-report.ts';

export function quarantineRoutes(server: FastifyInstance, app: SluiceApp): void {
  const api = server.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/quarantine',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['quality'],
        operationId: 'listQuarantine',
        summary:
          'Quarantined records with their issues, newest first: one per distinct record, with its occurrences, ' +
          'first (createdAt) and last (lastSeenAt, lastRunId) sighting; filtered by dataset, run, stage and ' +
          'reason (issue code) (viewer)',
        querystring: z.object({
          dataset: z.string().optional(),
          run: z.string().optional().describe('run id, or a unique prefix of at least 8 hex characters'),
          stage: rejectionStageSchema.optional(),
          reason: z.string().min(1).optional().describe('an issue code: only records with such an issue'),
          pending: z
            .enum(['true', 'false'])
            .default('false')
            .transform((value) => value === 'true'),
          limit: z.coerce.number().int().min(1).max(1000).default(50),
          cursor: z.coerce.number().int().positive().optional().describe('nextCursor of the previous page'),
        }),
        response: { 200: quarantineListSchema, ...viewerProblems, ...problems(404) },
      },
    },
    async (request) => {
      const { dataset, run, stage, reason, pending, limit, cursor } = request.query;
      if (dataset !== undefined && !app.project.config.datasets.has(dataset)) {
        throw new HttpProblem(404, 'not_found', `dataset "${dataset}" is not defined`);
      }
      const page = await app.quarantine.list({
        dataset,
        run,
        stage,
        reason,
        pending,
        beforeId: cursor,
        limit,
      });
      return { records: page.records, nextCursor: page.next };
    },
  );
  api.post(
    '/api/quarantine/replay',
    {
      config: { policy: 'analyst' },
      schema: {
        tags: ['quality'],
        operationId: 'replayQuarantine',
        summary: 'Re-validate a run’s quarantined records and write those that pass now (analyst)',
        querystring: z.object({ run: z.string().min(1) }),
        response: { 200: replayResultSchema, ...privilegedProblems, ...problems(404, 409) },
      },
    },
    async (request) => app.runs.replay(request.query.run),
  );
}

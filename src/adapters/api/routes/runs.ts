// Run history over HTTP: filtered, cursor-paginated list and one run with its quality and rejects.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RunStatus } from '../../../domain/run-status.ts';
import type { SluiceApp } from '../../../engine/app.ts';
import { idParam } from '../id-param.ts';
import { HttpProblem } from '../problem.ts';
import { runForRole } from '../run-view.ts';

const cursorSchema = z.tuple([z.iso.datetime(), z.uuid()]);

function encodeCursor(queuedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([queuedAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): { queuedAt: string; id: string } {
  try {
    const [queuedAt, id] = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString()));
    return { queuedAt, id };
  } catch {
    throw new HttpProblem(400, 'invalid_parameter', 'querystring.cursor: not a cursor returned by this API');
  }
}

export function runRoutes(server: FastifyInstance, app: SluiceApp): void {
  const api = server.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/runs',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['runs'],
        summary: 'List runs, newest first (viewer)',
        querystring: z.object({
          pipeline: z.string().optional(),
          status: z.enum(Object.values(RunStatus) as [RunStatus, ...RunStatus[]]).optional(),
          from: z.iso.datetime({ offset: true }).optional().describe('runs queued at or after (ISO 8601)'),
          to: z.iso.datetime({ offset: true }).optional().describe('runs queued before (ISO 8601)'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.string().optional().describe('nextCursor of the previous page'),
        }),
      },
    },
    async (request) => {
      const { pipeline, status, from, to, limit, cursor } = request.query;
      if (pipeline !== undefined && !app.project.config.pipelines.has(pipeline)) {
        throw new HttpProblem(404, 'not_found', `pipeline "${pipeline}" is not defined`);
      }
      const page = await app.runs.list({
        pipeline,
        status,
        from: from ? new Date(from) : undefined,
        to: to ? new Date(to) : undefined,
        after: cursor ? decodeCursor(cursor) : undefined,
        limit,
      });
      return {
        runs: page.runs.map((run) => runForRole(run, request.principal)),
        nextCursor: page.next ? encodeCursor(page.next.queuedAt, page.next.id) : null,
      };
    },
  );

  api.get(
    '/api/runs/:id',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['runs'],
        summary: 'One run with its errors, quality report and rejected samples (viewer)',
        params: z.object({ id: idParam('run') }),
      },
    },
    async (request) => {
      const run = runForRole(await app.runs.get(request.params.id), request.principal);
      const rejected = await app.quarantine.list({ run: run.id, limit: 20 });
      return { run, quality: run.report?.quality ?? null, rejectedSamples: rejected.records };
    },
  );

  api.post(
    '/api/runs/:id/cancel',
    {
      config: { policy: 'admin' },
      schema: {
        tags: ['runs'],
        summary:
          'Cancel a queued or running run of any process and free its pipeline (admin); 409 when the run already finished',
        params: z.object({ id: idParam('run') }),
      },
    },
    async (request) => {
      const cancelled = await app.runs.cancel(request.params.id, `api:${request.principal?.name ?? '?'}`);
      return { cancelled };
    },
  );
}

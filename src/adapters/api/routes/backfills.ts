// Backfills over HTTP: start one, list them, one with its time × key grid, and the actions: pause,
// resume, cancel, retry the failed partitions or one partition. Acting is for analysts, like a trigger:
// a backfill is runs of the pipeline, nothing an analyst could not start one by one.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  BackfillAction,
  BackfillStatus,
  backfillDefaults,
  MAX_BACKFILL_CONCURRENCY,
} from '../../../domain/backfill.ts';
import { backfillGrid } from '../../../domain/backfill-grid.ts';
import type { SluiceApp } from '../../../engine/app.ts';
import { idParam } from '../id-param.ts';
import { HttpProblem } from '../problem.ts';
import {
  ACTION_OPERATION,
  backfillBodySchema,
  backfillDetailSchema,
  backfillListSchema,
} from '../schemas/backfills.ts';
import { privilegedProblems, problems, viewerProblems } from '../schemas/problem.ts';

const BACKFILL_ID = idParam('backfill');

/** Wakes this process's backfill pump, when it has one (serve), so a change takes effect at once. */
export type BackfillWake = () => Promise<void>;

export function backfillRoutes(
  server: FastifyInstance,
  app: SluiceApp,
  wake: BackfillWake | undefined,
): void {
  const api = server.withTypeProvider<ZodTypeProvider>();
  const woken = async <T>(value: T): Promise<T> => {
    await wake?.().catch(() => {});
    return value;
  };

  api.post(
    '/api/backfills',
    {
      config: { policy: 'analyst' },
      schema: {
        tags: ['backfills'],
        operationId: 'createBackfill',
        summary: 'Start a backfill over every partition of a range (analyst)',
        body: z.object({
          pipeline: z.string().min(1),
          from: z.string().optional().describe('first day YYYY-MM-DD (or local time / instant)'),
          to: z.string().optional().describe('last day, inclusive'),
          keys: z
            .array(z.string().min(1))
            .optional()
            .describe('only these keys: ["annecy"] or ["site=annecy"]'),
          concurrency: z
            .number()
            .int()
            .min(1)
            .max(MAX_BACKFILL_CONCURRENCY)
            .default(backfillDefaults.concurrency),
        }),
        response: {
          201: backfillBodySchema.describe('created; Location names it'),
          ...privilegedProblems,
          ...problems(404, 409),
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!app.project.config.pipelines.has(body.pipeline)) {
        throw new HttpProblem(404, 'not_found', `pipeline "${body.pipeline}" is not defined`);
      }
      const backfill = await app.backfills.request({
        pipeline: body.pipeline,
        ...(body.from === undefined ? {} : { from: body.from }),
        ...(body.to === undefined ? {} : { to: body.to }),
        keys: body.keys ?? [],
        concurrency: body.concurrency,
        createdBy: `api:${request.principal?.name ?? '?'}`,
      });
      reply.status(201).header('location', `/api/backfills/${backfill.id}`);
      return woken({ backfill });
    },
  );

  api.get(
    '/api/backfills',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['backfills'],
        operationId: 'listBackfills',
        summary: 'Backfills, newest first, with partition counts (viewer)',
        querystring: z.object({
          pipeline: z.string().optional(),
          status: z.enum(Object.values(BackfillStatus) as [BackfillStatus, ...BackfillStatus[]]).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: backfillListSchema, ...viewerProblems },
      },
    },
    async (request) => ({ backfills: await app.backfills.list(request.query) }),
  );

  api.get(
    '/api/backfills/:id',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['backfills'],
        operationId: 'getBackfill',
        summary: 'One backfill with every partition and the time × key grid (viewer)',
        params: z.object({ id: BACKFILL_ID }),
        response: { 200: backfillDetailSchema, ...viewerProblems, ...problems(404) },
      },
    },
    async (request) => {
      const { backfill, partitions } = await app.backfills.detail(request.params.id);
      const grid = backfillGrid(partitions);
      return {
        backfill,
        partitions,
        // Cells carry the partition's index in `partitions` (null where the plan has none).
        grid: {
          columns: grid.columns,
          rows: grid.rows,
          cells: grid.cells.map((row) =>
            row.map((cell) =>
              cell ? { partition: cell.partition, status: cell.status, index: cell.ordinal } : null,
            ),
          ),
        },
      };
    },
  );

  const actions = [
    [BackfillAction.pause, 'Pause: running partitions finish, nothing new starts (analyst)'],
    [BackfillAction.resume, 'Resume a paused backfill (analyst)'],
    [BackfillAction.cancel, 'Cancel: pending partitions are cancelled, running ones finish (analyst)'],
    [BackfillAction.retryFailed, 'Retry the failed partitions only; reopens a finished backfill (analyst)'],
  ] as const;
  for (const [action, summary] of actions) {
    api.post(
      `/api/backfills/:id/${action}`,
      {
        config: { policy: 'analyst' },
        schema: {
          tags: ['backfills'],
          operationId: ACTION_OPERATION[action],
          summary,
          params: z.object({ id: BACKFILL_ID }),
          response: { 200: backfillBodySchema, ...privilegedProblems, ...problems(404, 409) },
        },
      },
      async (request) => woken({ backfill: await app.backfills.apply(request.params.id, action) }),
    );
  }

  api.post(
    '/api/backfills/:id/partitions/:partition/retry',
    {
      config: { policy: 'analyst' },
      schema: {
        tags: ['backfills'],
        operationId: 'retryBackfillPartition',
        summary: 'Run one partition again (URL-encode its key, e.g. 2025-W03%7Csite%3Dannecy) (analyst)',
        params: z.object({ id: BACKFILL_ID, partition: z.string().min(1) }),
        response: { 200: backfillBodySchema, ...privilegedProblems, ...problems(404, 409) },
      },
    },
    async (request) =>
      woken({
        backfill: await app.backfills.retryPartition(request.params.id, request.params.partition),
      }),
  );
}

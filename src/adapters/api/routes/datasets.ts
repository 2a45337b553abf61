// Datasets over HTTP: definitions with sizes, a preview per provider, and filtered records (JSON or CSV).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { systemColumns } from '../../../domain/dataset-definition.ts';
import type { SluiceApp } from '../../../engine/app.ts';
import { toCsv } from '../csv-export.ts';
import { HttpProblem } from '../problem.ts';
import { datasetListSchema, datasetPreviewSchema, datasetRecordsResponse } from '../schemas/datasets.ts';
import { problems, viewerProblems } from '../schemas/problem.ts';

const RESERVED = new Set(['from', 'to', 'sort', 'order', 'limit', 'cursor', 'format']);
const cursorSchema = z.array(z.string().nullable()).min(1);

/** A position the listing answered as nextCursor: the sort value then the key values, as text. */
function decodeCursor(cursor: string): Array<string | null> {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString()));
  } catch {
    throw new HttpProblem(400, 'invalid_parameter', 'querystring.cursor: not a cursor returned by this API');
  }
}

export function datasetRoutes(server: FastifyInstance, app: SluiceApp): void {
  const api = server.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/datasets',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['datasets'],
        operationId: 'listDatasets',
        summary: 'Datasets with their columns and sizes (viewer)',
        response: { 200: datasetListSchema, ...viewerProblems },
      },
    },
    async () => ({ datasets: await app.datasets.list() }),
  );

  api.get(
    '/api/datasets/:name/preview',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['datasets'],
        operationId: 'previewDataset',
        summary: 'The latest records of each provider that served the dataset (viewer)',
        params: z.object({ name: z.string() }),
        querystring: z.object({ per: z.coerce.number().int().min(1).max(50).default(5) }),
        response: { 200: datasetPreviewSchema, ...viewerProblems, ...problems(404) },
      },
    },
    async (request) => {
      const { dataset, providers } = await app.datasets.preview(request.params.name, request.query.per);
      return { dataset: dataset.name, key: dataset.key, time: dataset.time, providers };
    },
  );

  api.get(
    '/api/datasets/:name/records',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['datasets'],
        operationId: 'listDatasetRecords',
        summary:
          'Records filtered by key columns (?<key>=value) and time range, sorted and keyset-paged; CSV with format=csv (viewer)',
        params: z.object({ name: z.string() }),
        querystring: z
          .object({
            from: z.string().optional().describe('time column >= from'),
            to: z.string().optional().describe('time column < to'),
            sort: z.string().optional().describe('a column name; default the time column'),
            order: z.enum(['asc', 'desc']).default('desc'),
            limit: z.coerce.number().int().min(1).max(10_000).default(100),
            cursor: z
              .string()
              .optional()
              .describe('nextCursor of the previous page, with the same sort and order'),
            format: z.enum(['json', 'csv']).default('json'),
          })
          .catchall(z.string()),
        response: { 200: datasetRecordsResponse, ...viewerProblems, ...problems(404) },
      },
    },
    async (request, reply) => {
      const { from, to, sort, order, limit, cursor, format, ...rest } = request.query;
      const keys = Object.fromEntries(
        Object.entries(rest).filter(([name]) => !RESERVED.has(name)) as Array<[string, string]>,
      );
      const {
        dataset,
        records: page,
        next,
      } = await app.datasets.records(request.params.name, {
        keys,
        from,
        to,
        sort,
        order,
        limit,
        after: cursor === undefined ? undefined : decodeCursor(cursor),
      });
      const nextCursor = next === null ? null : Buffer.from(JSON.stringify(next)).toString('base64url');
      if (format === 'csv') {
        const columns = [...dataset.columns, ...systemColumns].map((column) => column.name);
        if (nextCursor) reply.header('x-next-cursor', nextCursor);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${dataset.name}.csv"`)
          .send(toCsv(columns, page));
      }
      return { dataset: dataset.name, records: page, nextCursor };
    },
  );
}

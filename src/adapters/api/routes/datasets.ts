// Datasets over HTTP: definitions with sizes, a preview per provider, and filtered records (JSON or CSV).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DatasetDefinition } from '../../../domain/dataset-definition.ts';
import { systemColumns } from '../../../domain/dataset-definition.ts';
import type { Sluice } from '../../../main.ts';
import { previewRecords, readRecords } from '../../postgres/dataset-reader.ts';
import { datasetStats } from '../../postgres/stats-store.ts';
import { toCsv } from '../csv-export.ts';
import { HttpProblem } from '../problem.ts';
import { datasetListSchema, datasetPreviewSchema, datasetRecordsResponse } from '../schemas/datasets.ts';
import { problems, viewerProblems } from '../schemas/problem.ts';

const RESERVED = new Set(['from', 'to', 'sort', 'order', 'limit', 'cursor', 'format']);

function datasetNamed(sluice: Sluice, name: string): DatasetDefinition {
  const dataset = sluice.config.datasets.get(name);
  if (!dataset) throw new HttpProblem(404, 'not_found', `dataset "${name}" is not defined`);
  return dataset;
}

export function datasetRoutes(app: FastifyInstance, sluice: Sluice): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
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
    async () => {
      const stats = await datasetStats(sluice.db, sluice.schema, sluice.config.datasets.values(), 7);
      return {
        datasets: [...sluice.config.datasets.values()].map((dataset, index) => ({
          name: dataset.name,
          description: dataset.description ?? null,
          table: `${sluice.schema}.${dataset.table}`,
          key: dataset.key,
          time: dataset.time,
          write: dataset.write,
          columns: [...dataset.columns, ...systemColumns],
          stats: stats[index],
        })),
      };
    },
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
      const dataset = datasetNamed(sluice, request.params.name);
      return {
        dataset: dataset.name,
        key: dataset.key,
        time: dataset.time,
        providers: await previewRecords(sluice.db, sluice.schema, dataset, request.query.per),
      };
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
          'Records filtered by key columns (?<key>=value) and time range, sorted and paged; CSV with format=csv (viewer)',
        params: z.object({ name: z.string() }),
        querystring: z
          .object({
            from: z.string().optional().describe('time column >= from'),
            to: z.string().optional().describe('time column < to'),
            sort: z.string().optional().describe('a column name; default the time column'),
            order: z.enum(['asc', 'desc']).default('desc'),
            limit: z.coerce.number().int().min(1).max(10_000).default(100),
            cursor: z.string().regex(/^\d+$/, 'a cursor returned by this API').optional(),
            format: z.enum(['json', 'csv']).default('json'),
          })
          .catchall(z.string()),
        response: { 200: datasetRecordsResponse, ...viewerProblems, ...problems(404) },
      },
    },
    async (request, reply) => {
      const dataset = datasetNamed(sluice, request.params.name);
      const { from, to, sort, order, limit, cursor, format, ...rest } = request.query;
      const keys = Object.fromEntries(
        Object.entries(rest).filter(([name]) => !RESERVED.has(name)) as Array<[string, string]>,
      );
      const offset = cursor ? Number(cursor) : 0;
      const rows = await readRecords(sluice.db, sluice.schema, dataset, {
        keys,
        from,
        to,
        sort,
        order,
        limit: limit + 1,
        offset,
      });
      const page = rows.slice(0, limit);
      const nextCursor = rows.length > limit ? String(offset + limit) : null;
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

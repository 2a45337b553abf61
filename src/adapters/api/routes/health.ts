// Liveness (public), readiness, stats and Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SluiceApp } from '../../../engine/app.ts';
import { renderMetrics } from '../metrics.ts';
import { OPENMETRICS_TEXT, PROMETHEUS_TEXT, toOpenMetrics, wantsOpenMetrics } from '../openmetrics.ts';
import { sendProblem } from '../problem.ts';
import {
  livenessSchema,
  metricsResponse,
  readinessSchema,
  statsSchema,
  statusSchema,
} from '../schemas/health.ts';
import { problems, viewerProblems } from '../schemas/problem.ts';

export function healthRoutes(server: FastifyInstance, app: SluiceApp): void {
  const api = server.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/healthz',
    {
      config: { policy: 'public' },
      schema: {
        tags: ['health'],
        operationId: 'getLiveness',
        summary: 'Liveness (no token)',
        security: [],
        response: { 200: livenessSchema, ...problems(400, 500) },
      },
    },
    async () => ({
      status: 'ok',
    }),
  );

  api.get(
    '/readyz',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['health'],
        operationId: 'getReadiness',
        summary: 'Database reachable and migrations current (viewer)',
        response: { 200: readinessSchema, ...viewerProblems, ...problems(503) },
      },
    },
    async (request, reply) => {
      const readiness = await app.status.readiness();
      if (!readiness.ready) return sendProblem(reply, request, 503, readiness.code, readiness.message);
      return { status: 'ready', database: readiness.database };
    },
  );

  api.get(
    '/api/stats',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['stats'],
        operationId: 'getStats',
        summary: 'Totals per dataset, all time and for the last N days, and runs by status (viewer)',
        querystring: z.object({ days: z.coerce.number().int().min(1).max(3650).default(7) }),
        response: { 200: statsSchema, ...viewerProblems },
      },
    },
    async (request) => app.status.stats(request.query.days),
  );

  api.get(
    '/api/status',
    {
      config: { policy: 'admin' },
      schema: {
        tags: ['stats'],
        operationId: 'getStatus',
        summary:
          'Where the data lives, each dataset and the last run of each pipeline, as sluice status (admin)',
        response: { 200: statusSchema, ...viewerProblems, ...problems(403) },
      },
    },
    async () => app.status.summary(),
  );

  api.get(
    '/metrics',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['health'],
        operationId: 'getMetrics',
        summary: 'Prometheus metrics (viewer)',
        response: { 200: metricsResponse, ...viewerProblems },
      },
    },
    async (request, reply) => {
      const text = await renderMetrics(app.status);
      if (!wantsOpenMetrics(request.headers.accept)) return reply.type(PROMETHEUS_TEXT).send(text);
      return reply.type(OPENMETRICS_TEXT).send(toOpenMetrics(text));
    },
  );
}

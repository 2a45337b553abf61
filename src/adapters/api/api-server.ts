// Builds the HTTP API: auth on every route, zod-validated parameters, problem+json errors, OpenAPI.
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { type Clock, systemClock } from '../../engine/ports.ts';
import type { RunDispatcher } from '../../engine/run-dispatch.ts';
import type { Sluice } from '../../main.ts';
import { installAuth, type RouteEntry } from './auth.ts';
import { handleError, sendProblem } from './problem.ts';
import {
  clientErrorHandler,
  frameworkErrors,
  installParameterGuard,
  installUrlLengthGuard,
  MAX_HEADER_BYTES,
  MAX_PARAM_LENGTH,
} from './request-guards.ts';
import { serializeRequest } from './request-log.ts';
import { type BackfillWake, backfillRoutes } from './routes/backfills.ts';
import { datasetRoutes } from './routes/datasets.ts';
import { docsRoutes } from './routes/docs.ts';
import { eventRoutes } from './routes/events.ts';
import { freshnessRoutes } from './routes/freshness.ts';
import { healthRoutes } from './routes/health.ts';
import { keySetRoutes } from './routes/key-sets.ts';
import { pipelineRoutes } from './routes/pipelines.ts';
import { quarantineRoutes } from './routes/quarantine.ts';
import { runRoutes } from './routes/runs.ts';
import { schedulerRoutes } from './routes/scheduler.ts';
import { sourceRoutes } from './routes/sources.ts';

export interface ApiServer {
  app: FastifyInstance;
  /** Every route with its policy, as registered: the auth matrix test walks this list. */
  routes: RouteEntry[];
}

export interface ApiOptions {
  /** Largest request body in bytes. @defaultValue 1 MiB */
  bodyLimit?: number;
  /** How triggered runs start. @defaultValue in this process */
  dispatcher?: RunDispatcher;
  /** Whether this process fires schedules, for /api/scheduler/status. @defaultValue false */
  schedulerEnabled?: boolean;
  clock?: Clock;
  /** PostgreSQL URL for the event listener's own LISTEN connection; without it events are polled. */
  databaseUrl?: string;
  /** How often the tokens of open event streams are checked again besides LISTEN. @defaultValue 30 000 ms */
  tokenRecheckMs?: number;
  /** Wakes the backfill pump of this process after a backfill changes. @defaultValue none: workers notice within their interval */
  wakeBackfills?: BackfillWake;
}

export async function buildApiServer(sluice: Sluice, options: ApiOptions = {}): Promise<ApiServer> {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Our own logger, and no request headers in it: they carry tokens. Tickets in URLs are masked
    // for every route, not only /api/events: a client may send one anywhere.
    loggerInstance: (sluice.logger as unknown as FastifyBaseLogger).child(
      {},
      { serializers: { req: serializeRequest } },
    ),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    frameworkErrors: frameworkErrors(sluice.db),
    clientErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'sluice API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // Hook order is the answer order: size (414), then the token (401), then parameters (400).
  installUrlLengthGuard(app);
  const routes = installAuth(app, sluice.db);
  installParameterGuard(app);
  healthRoutes(app, sluice.app);
  pipelineRoutes(app, sluice.app, options.dispatcher ?? sluice.app.pipelines.dispatcher());
  runRoutes(app, sluice.app);
  quarantineRoutes(app, sluice.app);
  schedulerRoutes(app, sluice.app, {
    enabled: options.schedulerEnabled ?? false,
    clock: options.clock ?? systemClock,
  });
  backfillRoutes(app, sluice.app, options.wakeBackfills);
  datasetRoutes(app, sluice.app);
  sourceRoutes(app, sluice.app, options.clock ?? systemClock);
  keySetRoutes(app, sluice.app);
  freshnessRoutes(app, sluice.app, {
    dispatcher: options.dispatcher ?? sluice.app.pipelines.dispatcher(),
    clock: options.clock ?? systemClock,
  });
  eventRoutes(app, sluice, {
    databaseUrl: options.databaseUrl,
    clock: options.clock ?? systemClock,
    tokenRecheckMs: options.tokenRecheckMs,
  });
  docsRoutes(app);
  await app.ready();
  return { app, routes };
}

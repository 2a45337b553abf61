// Builds the HTTP API: auth on every route, zod-validated parameters, problem+json errors, OpenAPI.
import fastifySwagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { createDashboardSessions } from '../../engine/dashboard-sessions.ts';
import { type Clock, systemClock } from '../../engine/ports.ts';
import type { RunDispatcher } from '../../engine/run-dispatch.ts';
import type { Sluice } from '../../main.ts';
import { createSessionStore } from '../postgres/session-store.ts';
import { installAuth, type LocalCredential, type RouteEntry } from './auth.ts';
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
import { sessionRoutes } from './routes/session.ts';
import { sourceRoutes } from './routes/sources.ts';
import { defaultDashboardDir, installDashboard } from './static-dashboard.ts';

/** The document's own part; each operation comes from its route's schema. */
const OPENAPI: FastifyDynamicSwaggerOptions['openapi'] = {
  openapi: '3.1.0',
  info: {
    title: 'sluice API',
    version: '1',
    description:
      'Runs, backfills, datasets, quality and freshness of a sluice project. Errors are application/problem+json ' +
      '(RFC 9457) with a stable code; docs/api.md lists them.',
    license: { name: 'MIT', identifier: 'MIT' },
  },
  // Relative: the document is served by the server it describes, wherever that listens.
  servers: [{ url: '/', description: 'the sluice serve that answers this document' }],
  tags: [
    { name: 'health', description: 'Liveness, readiness and Prometheus metrics' },
    { name: 'stats', description: 'Totals per dataset and runs by status' },
    { name: 'pipelines', description: 'Pipelines and triggering runs' },
    { name: 'runs', description: 'Run history' },
    { name: 'quality', description: 'The quarantine of rejected records' },
    { name: 'scheduler', description: 'Schedules and their ticks' },
    { name: 'backfills', description: 'Backfills over partition ranges' },
    { name: 'datasets', description: 'Datasets and their records' },
    { name: 'sources', description: 'Source providers, their breakers and limits' },
    { name: 'key sets', description: 'Stored key sets of partitioned pipelines' },
    { name: 'freshness', description: 'How recent each dataset and series is' },
    { name: 'events', description: 'Live events as Server-Sent Events' },
    { name: 'docs', description: 'This document' },
  ],
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'sluice tokens create --name N --role viewer|analyst|admin',
      },
      ticket: {
        type: 'apiKey',
        in: 'query',
        name: 'ticket',
        description: 'single-use, from POST /api/events/tickets; GET /api/events only',
      },
    },
  },
  security: [{ bearer: [] }],
};

/**
 * The schemas with an id are registered for requests too (as `…Input`), though only responses use
 * them: components nothing references are left out, until none is left.
 */
function withoutUnusedSchemas<T extends object>(document: T): T {
  if (!('components' in document) || typeof document.components !== 'object' || !document.components)
    return document;
  const components: { schemas?: Record<string, unknown> } = document.components;
  const schemas = { ...components.schemas };
  const rest = JSON.stringify({ ...document, components: { ...components, schemas: {} } });
  for (;;) {
    const text = rest + JSON.stringify(schemas);
    const unused = Object.keys(schemas).filter((name) => !text.includes(`"#/components/schemas/${name}"`));
    if (unused.length === 0) return { ...document, components: { ...components, schemas } };
    for (const name of unused) delete schemas[name];
  }
}

/** The methods registered for a concrete path (HEAD with GET, as Fastify adds it), for a 405's Allow. */
function allowedMethods(routes: readonly RouteEntry[]): (path: string) => string[] {
  const patterns = new Map<string, RegExp>();
  const patternOf = (url: string): RegExp => {
    let pattern = patterns.get(url);
    if (!pattern) {
      const segments = url
        .split('/')
        .map((segment) =>
          segment.startsWith(':')
            ? '[^/]+'
            : segment === '*'
              ? '.*'
              : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        );
      pattern = new RegExp(`^${segments.join('/')}/?$`);
      patterns.set(url, pattern);
    }
    return pattern;
  };
  return (path) => {
    const methods = new Set(
      routes.filter((route) => patternOf(route.url).test(path)).map((route) => route.method),
    );
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}

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
  /**
   * Whether this process fires schedules, for /api/scheduler/status; a function when that can
   * change while the server runs (an embedding host starts and stops it). @defaultValue false
   */
  schedulerEnabled?: boolean | (() => boolean);
  clock?: Clock;
  /** PostgreSQL URL for the event listener's own LISTEN connection; without it events are polled. */
  databaseUrl?: string;
  /** How often the tokens of open event streams are checked again besides LISTEN. @defaultValue 30 000 ms */
  tokenRecheckMs?: number;
  /** Wakes the backfill pump of this process after a backfill changes. @defaultValue none: workers notice within their interval */
  wakeBackfills?: BackfillWake;
  /** How long close() lets in-flight requests finish before it ends every connection. @defaultValue 3000 ms */
  closeGraceMs?: number;
  /** The built dashboard served at `/`. @defaultValue web/dist/ of this package */
  dashboardDir?: string;
  /** A process-local token besides the stored ones: what `sluice serve` publishes for the CLI beside it. */
  localCredential?: LocalCredential;
}

const CLOSE_GRACE_MS = 3000;

/**
 * Keeps close() bounded. Node closes idle keep-alive connections at once, but a socket it does not
 * count as idle (one left behind by an event stream whose client went away was seen) held
 * `sluice serve`'s shutdown for the keep-alive timeout, 72 s. In-flight requests get a grace
 * period; then every connection left is ended.
 */
function boundShutdown(app: FastifyInstance, graceMs: number): void {
  app.addHook('preClose', (done) => {
    setTimeout(() => app.server.closeAllConnections(), graceMs).unref();
    done();
  });
}

export async function buildApiServer(sluice: Sluice, options: ApiOptions = {}): Promise<ApiServer> {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
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
  const routes = await installApi(app, sluice, options);
  await app.ready();
  return { app, routes };
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Everything of the API that lives in a Fastify context rather than in the server: routes, auth,
 * errors, OpenAPI and the dashboard. `sluice serve` installs it on its own server; an embedding
 * host gets it as a plugin in a context of its own, under a prefix (see api-plugin.ts).
 */
export async function installApi(
  app: FastifyInstance,
  sluice: Sluice,
  options: ApiOptions & { dashboard?: boolean } = {},
): Promise<RouteEntry[]> {
  // A host's server has its own body limit; the API keeps its own on each of its routes.
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= bodyLimit;
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  // Every body is JSON: without the text/plain parser a text body is a 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');
  await app.register(fastifySwagger, {
    openapi: OPENAPI,
    transform: jsonSchemaTransform,
    transformObject: (document) => withoutUnusedSchemas(jsonSchemaTransformObject(document)),
  });
  // Hook order is the answer order: size (414), then the token (401), then parameters (400).
  installUrlLengthGuard(app);
  const sessions = createDashboardSessions(createSessionStore(sluice.db), {
    clock: options.clock ?? systemClock,
  });
  const dashboard = options.dashboard !== false;
  const routes = installAuth(app, sluice.db, sessions, {
    dashboard,
    localCredential: options.localCredential,
  });
  if (dashboard) await installDashboard(app, options.dashboardDir ?? defaultDashboardDir);
  // After auth, so only a caller with a valid token learns which methods a path has.
  const allowed = allowedMethods(routes);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const methods = allowed(path);
    if (methods.length === 0)
      return sendProblem(reply, request, 404, 'not_found', `no route ${request.method} ${path}`);
    reply.header('allow', methods.join(', '));
    return sendProblem(
      reply,
      request,
      405,
      'method_not_allowed',
      `${path} answers ${methods.join(', ')}, not ${request.method}`,
    );
  });
  installParameterGuard(app);
  boundShutdown(app, options.closeGraceMs ?? CLOSE_GRACE_MS);
  healthRoutes(app, sluice.app);
  pipelineRoutes(app, sluice.app, options.dispatcher ?? sluice.app.pipelines.dispatcher());
  runRoutes(app, sluice.app);
  quarantineRoutes(app, sluice.app);
  schedulerRoutes(app, sluice.app, {
    enabled:
      typeof options.schedulerEnabled === 'function'
        ? options.schedulerEnabled
        : () => options.schedulerEnabled === true,
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
  sessionRoutes(app, sessions, { clock: options.clock ?? systemClock });
  docsRoutes(app);
  return routes;
}

// Live run and tick events over SSE, the tickets browsers open them with, and event retention.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../../../engine/ports.ts';
import type { Sluice } from '../../../main.ts';
import { startLoop } from '../../loop.ts';
import { pruneEvents } from '../../postgres/event-store.ts';
import { registerTicketVerifier } from '../auth.ts';
import { createEventHub, createEventStreams, createTicketBook } from '../event-stream.ts';
import { HttpProblem, sendProblem } from '../problem.ts';
import { createRevocationWatch } from '../revocation-watch.ts';
import { eventHeadersSchema, eventStreamResponse, ticketSchema } from '../schemas/events.ts';
import { problems, viewerProblems } from '../schemas/problem.ts';

export interface EventRouteOptions {
  /** The PostgreSQL URL the listener opens its own connection with; without it the hub polls. */
  databaseUrl: string | undefined;
  /** What tickets expire by. */
  clock: Clock;
  /** How often the tokens of open streams are checked again besides LISTEN. @defaultValue 30 000 ms */
  tokenRecheckMs?: number;
}

const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** SLUICE_EVENT_RETENTION_H, checked by the settings at start-up. */
function retentionHours(sluice: Sluice): number {
  return sluice.settings.server.eventRetentionHours;
}

const eventIdSchema = z.coerce.number().int().min(0);

/** Last-Event-ID as EventSource sends it on reconnect; `?lastEventId=` for a fresh EventSource. */
function resumeAfter(header: string | string[] | undefined, query: number | undefined): number | undefined {
  if (header === undefined || header === '') return query;
  const parsed = eventIdSchema.safeParse(Array.isArray(header) ? header[0] : header);
  if (!parsed.success) {
    throw new HttpProblem(400, 'invalid_parameter', 'headers.last-event-id: not an event id from this API');
  }
  return parsed.data;
}

export function eventRoutes(app: FastifyInstance, sluice: Sluice, options: EventRouteOptions): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tickets = createTicketBook(options.clock);
  const hub = createEventHub(sluice.db, { databaseUrl: options.databaseUrl, logger: sluice.logger });
  const streams = createEventStreams(sluice.db, hub);
  const revocations = createRevocationWatch(
    sluice.db,
    {
      principals: () => streams.principals(),
      revoked(name) {
        streams.endPrincipal(name);
        tickets.revokePrincipal(name);
      },
    },
    { databaseUrl: options.databaseUrl, logger: sluice.logger, recheckMs: options.tokenRecheckMs },
  );
  // A ticket outlives no revocation: even one issued by another process's view of the token.
  registerTicketVerifier(app, async (ticket) => {
    const principal = tickets.redeem(ticket);
    return principal && (await revocations.isActive(principal.name)) ? principal : undefined;
  });

  api.post(
    '/api/events/tickets',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['events'],
        operationId: 'createEventTicket',
        summary: 'A single-use ticket, valid 60 s, to open /api/events without a header (viewer)',
        response: { 200: ticketSchema, ...viewerProblems, ...problems(413, 415, 429) },
      },
    },
    async (request, reply) => {
      if (!request.principal) throw new HttpProblem(401, 'unauthorized', 'a bearer token is required');
      const issued = tickets.issue(request.principal);
      if (!issued.ok) {
        const seconds = Math.max(1, Math.ceil(issued.retryAfterMs / 1000));
        reply.header('retry-after', String(seconds));
        const whose = issued.reason === 'principal_limit' ? 'this token has' : 'the server has';
        return sendProblem(
          reply,
          request,
          429,
          'too_many_tickets',
          `${whose} too many unused tickets; use one (GET /api/events?ticket=) or retry in ${seconds} s`,
        );
      }
      return { ticket: issued.ticket, expiresAt: issued.expiresAt.toISOString() };
    },
  );

  api.get(
    '/api/events',
    {
      config: { policy: 'viewer', ticketAuth: true },
      schema: {
        tags: ['events'],
        operationId: 'streamEvents',
        summary: 'Run and tick events as Server-Sent Events; a bearer header or ?ticket= (viewer)',
        querystring: z.object({
          ticket: z.string().optional().describe('from POST /api/events/tickets, instead of the header'),
          lastEventId: eventIdSchema.optional().describe('replay events after this id (as Last-Event-ID)'),
          types: z.string().optional().describe('comma-separated type prefixes, e.g. run:,tick:'),
        }),
        headers: eventHeadersSchema,
        // The ticket stands in for the header: EventSource cannot send one.
        security: [{ bearer: [] }, { ticket: [] }],
        response: { 200: eventStreamResponse, ...viewerProblems },
      },
    },
    async (request, reply) => {
      const afterId = resumeAfter(request.headers['last-event-id'], request.query.lastEventId);
      const types = (request.query.types ?? '')
        .split(',')
        .map((prefix) => prefix.trim())
        .filter((prefix) => prefix !== '');
      const principal = request.principal?.name;
      if (principal === undefined) throw new HttpProblem(401, 'unauthorized', 'a bearer token is required');
      // Listening before this check: a revocation after it is announced, and ends the stream.
      await revocations.ready();
      if (!(await revocations.isActive(principal)))
        throw new HttpProblem(401, 'unauthorized', 'the token is unknown or revoked');
      await streams.serve(reply, { afterId, types, principal });
    },
  );

  const retentionMs = retentionHours(sluice) * 60 * 60 * 1000;
  const pruning = startLoop({
    name: 'events: pruning old events',
    everyMs: PRUNE_EVERY_MS,
    // The first prune soon after start, so that a server restarted more often than hourly prunes too.
    firstAfterMs: 60_000,
    logger: sluice.logger,
    level: 'warn',
    // Wall time, not options.clock: created_at is the database's wall time, and a test clock may
    // run ahead of it.
    run: () => pruneEvents(sluice.db, new Date(Date.now() - retentionMs)),
  });

  // Open streams would keep server.close() waiting forever: end them before it runs.
  app.addHook('preClose', async () => streams.endAll());
  app.addHook('onClose', async () => {
    await pruning.stop();
    await revocations.close();
    await hub.close();
  });
}

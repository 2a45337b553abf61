// Bearer-token authentication and the role check every route declares in its config.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { type Role, type RoutePolicy, roleAllows } from '../../domain/roles.ts';
import type { Queryable } from '../postgres/database.ts';
import { verifyToken } from '../postgres/token-store.ts';
import { sendProblem } from './problem.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
    /** Also accept a single-use `?ticket=` instead of the header: EventSource cannot send headers. */
    ticketAuth?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export interface Principal {
  name: string;
  role: Role;
}

/** Redeems a ticket: its principal, or undefined when unknown, used, expired or its token revoked. */
export type TicketVerifier = (ticket: string) => Promise<Principal | undefined>;

const ticketVerifiers = new WeakMap<FastifyInstance, TicketVerifier>();

/** The module that issues tickets registers how to redeem them; without one every ticket fails. */
export function registerTicketVerifier(app: FastifyInstance, verify: TicketVerifier): void {
  ticketVerifiers.set(app, verify);
}

export interface RouteEntry {
  method: string;
  url: string;
  policy: RoutePolicy;
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function ticketParam(request: FastifyRequest): string | undefined {
  if (!request.routeOptions.config?.ticketAuth) return undefined;
  const query: unknown = request.query;
  if (typeof query !== 'object' || query === null || !('ticket' in query)) return undefined;
  return typeof query.ticket === 'string' ? query.ticket : undefined;
}

/** Whether the request carries a valid bearer token: for answers given before routing (bad URLs). */
export async function hasValidToken(request: FastifyRequest, db: Queryable): Promise<boolean> {
  const token = bearer(request);
  return token !== undefined && (await verifyToken(db, token)) !== undefined;
}

/**
 * Registers the auth hook and records every route with its policy. A route without a policy
 * refuses to register, so a new route cannot ship unprotected by accident.
 */
export function installAuth(app: FastifyInstance, db: Queryable): RouteEntry[] {
  const routes: RouteEntry[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const policy = route.config?.policy;
    if (route.url.startsWith('/api/docs/static') || route.method === 'HEAD') return;
    if (!policy)
      throw new Error(`route ${String(route.method)} ${route.url} declares no policy (config.policy)`);
    for (const method of [route.method].flat())
      routes.push({ method: String(method), url: route.url, policy });
  });
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const policy = request.routeOptions.config?.policy;
    if (policy === 'public') return;
    if (policy === undefined) {
      // Unknown URLs: answer 404 only to authenticated callers, 401 to everyone else.
      const token = bearer(request);
      if (!token || !(await verifyToken(db, token))) {
        return sendProblem(reply, request, 401, 'unauthorized', 'a bearer token is required');
      }
      return;
    }
    const token = bearer(request);
    const ticket = token ? undefined : ticketParam(request);
    if (!token && ticket === undefined) {
      return sendTokenRequired(request, reply);
    }
    let principal: Principal | undefined;
    if (token) principal = await verifyToken(db, token);
    else if (ticket !== undefined) principal = await ticketVerifiers.get(app)?.(ticket);
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="sluice", error="invalid_token"');
      const what = token ? 'the token is unknown or revoked' : 'the ticket is unknown, used or expired';
      return sendProblem(reply, request, 401, 'unauthorized', what);
    }
    if (!roleAllows(principal.role, policy)) {
      return sendProblem(
        reply,
        request,
        403,
        'forbidden',
        `this needs the ${policy} role; the token has ${principal.role}`,
      );
    }
    request.principal = principal;
  });
  return routes;
}

/** The 401 for a request without a token, with the challenge that says which scheme to use. */
export function sendTokenRequired(request: FastifyRequest, reply: FastifyReply) {
  reply.header('www-authenticate', 'Bearer realm="sluice"');
  return sendProblem(
    reply,
    request,
    401,
    'unauthorized',
    'a bearer token is required: Authorization: Bearer <token>',
  );
}

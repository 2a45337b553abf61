// Authentication (bearer token, SSE ticket, dashboard session cookie with its CSRF check) and the
// role check every route declares in its config.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { type Role, type RoutePolicy, roleAllows } from '../../domain/roles.ts';
import { csrfMatches, type DashboardSessions, type SessionState } from '../../engine/dashboard-sessions.ts';
import type { Queryable } from '../postgres/database.ts';
import { verifyToken } from '../postgres/token-store.ts';
import { CSRF_HEADER, sessionCookieOf } from './dashboard-session.ts';
import { sendProblem } from './problem.ts';
import { isDashboardRequest } from './static-dashboard.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
    /** Also accept a single-use `?ticket=` instead of the header: EventSource cannot send headers. */
    ticketAuth?: boolean;
  }
  interface FastifyRequest {
    principal?: Principal;
    /** Set when the request was authenticated by the dashboard's session cookie. */
    session?: ActiveSession;
  }
}

export interface Principal {
  name: string;
  role: Role;
}

export type ActiveSession = Extract<SessionState, { status: 'active' }>;

/** Methods that change nothing: a cookie request with any other needs the CSRF header. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

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
/**
 * A token that lives only in the serving process and the file it publishes for the local CLI
 * (served-project.ts): never stored, so it dies with the process and no `sluice tokens` lists it.
 */
export interface LocalCredential {
  token: string;
  principal: Principal;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function installAuth(
  app: FastifyInstance,
  db: Queryable,
  sessions: DashboardSessions,
  options: { dashboard: boolean; localCredential?: LocalCredential | undefined },
): RouteEntry[] {
  const routes: RouteEntry[] = [];
  // Under a host's prefix (an embedded API) every path below is seen relative to it.
  const mount = app.prefix;
  app.addHook('onRoute', (route: RouteOptions) => {
    const policy = route.config?.policy;
    if (route.url.startsWith(`${mount}/api/docs/static`) || route.method === 'HEAD') return;
    if (!policy)
      throw new Error(`route ${String(route.method)} ${route.url} declares no policy (config.policy)`);
    for (const method of [route.method].flat())
      routes.push({ method: String(method), url: route.url, policy });
  });
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const policy = request.routeOptions.config?.policy;
    if (policy === 'public') return;
    if (policy === undefined) {
      // The dashboard's pages are public; every other unknown URL answers 404 only to
      // authenticated callers, 401 to everyone else.
      if (options.dashboard && isDashboardRequest(request, mount)) return;
      if (!(await isAuthenticated(request, db, sessions))) {
        return sendProblem(reply, request, 401, 'unauthorized', 'a bearer token is required');
      }
      return;
    }
    const token = bearer(request);
    const ticket = token ? undefined : ticketParam(request);
    const cookie = token || ticket !== undefined ? undefined : sessionCookieOf(request.headers.cookie);
    if (cookie !== undefined) return authenticateSession(request, reply, sessions, cookie, policy);
    if (!token && ticket === undefined) {
      return sendTokenRequired(request, reply);
    }
    let principal: Principal | undefined;
    const local = options.localCredential;
    if (token && local && sameSecret(token, local.token)) principal = local.principal;
    else if (token) principal = await verifyToken(db, token);
    else if (ticket !== undefined) principal = await ticketVerifiers.get(app)?.(ticket);
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="sluice", error="invalid_token"');
      const what = token ? 'the token is unknown or revoked' : 'the ticket is unknown, used or expired';
      return sendProblem(reply, request, 401, 'unauthorized', what);
    }
    if (!roleAllows(principal.role, policy)) return sendForbidden(request, reply, policy, principal.role);
    request.principal = principal;
  });
  return routes;
}

/** Whether an unknown URL's caller is signed in, by bearer token or session cookie. */
async function isAuthenticated(request: FastifyRequest, db: Queryable, sessions: DashboardSessions) {
  const token = bearer(request);
  if (token !== undefined) return (await verifyToken(db, token)) !== undefined;
  const cookie = sessionCookieOf(request.headers.cookie);
  return cookie !== undefined && (await sessions.resolve(cookie)).status === 'active';
}

const SESSION_REFUSED = {
  expired: ['session_expired', 'the session expired; sign in again'],
  revoked: ['session_revoked', 'the session was signed out or its token revoked; sign in again'],
  unknown: ['unauthorized', 'the session is unknown; sign in again'],
} as const;

/**
 * The cookie path: a refused session says why (the page shows it), and a state-changing request
 * must echo the session's CSRF token, which another origin cannot read.
 */
async function authenticateSession(
  request: FastifyRequest,
  reply: FastifyReply,
  sessions: DashboardSessions,
  cookie: string,
  policy: Role,
) {
  const session = await sessions.resolve(cookie);
  if (session.status !== 'active') {
    const [code, detail] = SESSION_REFUSED[session.status];
    return sendProblem(reply, request, 401, code, detail);
  }
  if (!SAFE_METHODS.has(request.method)) {
    const header = request.headers[CSRF_HEADER];
    if (!csrfMatches(session.secret, typeof header === 'string' ? header : undefined)) {
      return sendProblem(
        reply,
        request,
        403,
        'csrf_failed',
        `a ${request.method} with the session cookie needs the ${CSRF_HEADER} header from POST or GET /api/session`,
      );
    }
  }
  if (!roleAllows(session.principal.role, policy))
    return sendForbidden(request, reply, policy, session.principal.role);
  request.principal = session.principal;
  request.session = session;
}

function sendForbidden(request: FastifyRequest, reply: FastifyReply, policy: Role, role: Role) {
  return sendProblem(
    reply,
    request,
    403,
    'forbidden',
    `this needs the ${policy} role; the token has ${role}`,
  );
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

// The dashboard's sign-in: open a session by token or one-time code, read it, sign out.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Role } from '../../../domain/roles.ts';
import type { Clock } from '../../../engine/ports.ts';
import {
  clearedSessionCookie,
  type DashboardSessions,
  SESSION_COOKIE,
  sessionCookie,
} from '../dashboard-session.ts';
import { HttpProblem, sendProblem } from '../problem.ts';

const signInBody = z.union([
  z.strictObject({ token: z.string().min(1).max(512).describe('an API token (sluice tokens create)') }),
  z.strictObject({ code: z.string().min(1).max(512).describe('the one-time code of the printed link') }),
]);

const sessionBody = z.object({
  principal: z.object({
    name: z.string().describe('the name of the token the session was opened with'),
    role: z.enum([Role.viewer, Role.analyst, Role.admin]),
  }),
  csrfToken: z.string().describe('send it as x-csrf-token on every request but GET/HEAD/OPTIONS'),
  expiresAt: z.string().describe('ISO 8601; fixed at sign-in, not extended by use'),
});

/** Secure cookies only where the browser can send them back: a request that came over https. */
function overHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

function signedIn(request: FastifyRequest) {
  const session = request.session;
  if (!session)
    throw new HttpProblem(
      401,
      'unauthorized',
      `no dashboard session: sign in with POST /api/session (cookie ${SESSION_COOKIE})`,
    );
  return session;
}

export function sessionRoutes(
  app: FastifyInstance,
  sessions: DashboardSessions,
  options: { clock: Clock },
): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post(
    '/api/session',
    {
      // Public: the body is the credential, checked here.
      config: { policy: 'public' },
      schema: {
        tags: ['session'],
        summary: 'Sign in to the dashboard with a token or a one-time code; sets the session cookie',
        security: [],
        body: signInBody,
        response: { 201: sessionBody },
      },
    },
    async (request, reply) => {
      const result = await sessions.signIn(request.body);
      if (!result.ok) return sendProblem(reply, request, 401, 'unauthorized', result.detail);
      const { session } = result;
      reply.header(
        'set-cookie',
        sessionCookie(session.secret, session.expiresAt, options.clock.now(), overHttps(request)),
      );
      request.log.info({ principal: session.principal.name }, 'dashboard session opened');
      return reply.status(201).send({
        principal: session.principal,
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt.toISOString(),
      });
    },
  );

  api.get(
    '/api/session',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['session'],
        summary: 'The signed-in session: who, its CSRF token, when it expires (session cookie)',
        response: { 200: sessionBody },
      },
    },
    async (request) => {
      const session = signedIn(request);
      return {
        principal: session.principal,
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt.toISOString(),
      };
    },
  );

  api.delete(
    '/api/session',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['session'],
        summary: 'Sign out: revokes the session and clears its cookie (session cookie + x-csrf-token)',
      },
    },
    async (request, reply) => {
      const session = signedIn(request);
      await sessions.revoke(session.secret);
      reply.header('set-cookie', clearedSessionCookie(overHttps(request)));
      return reply.status(204).send();
    },
  );
}

// Serves the built dashboard (web/dist/) at every GET path the API does not own: its files, and
// index.html for the rest (client-side routes), with the security headers of a page.
import { stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.ts';

/** Paths the API answers itself: never the dashboard, so an unknown /api/x stays a 404 (or 401). */
const API_PREFIXES = ['/api', '/metrics', '/healthz', '/readyz'] as const;

/** web/dist/ of this package: three levels up from src/adapters/api/ and from dist/adapters/api/. */
export const defaultDashboardDir = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** Hashed file names: their content never changes under a name, so browsers may keep them a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

export const dashboardSecurityHeaders = {
  'content-security-policy':
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

/** The path below `mount`, the prefix the API is registered under ('' for `sluice serve`). */
function pathOf(request: FastifyRequest, mount: string): string {
  const path = request.url.split('?')[0] ?? '/';
  return path.startsWith(mount) ? path.slice(mount.length) || '/' : path;
}

/** A GET or HEAD outside the API's paths: public, since the page itself shows the sign-in. */
export function isDashboardRequest(request: FastifyRequest, mount: string): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = pathOf(request, mount);
  return !API_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** The file under `dir` a path names, if it is a regular file inside it (no `..`, no NUL). */
async function fileUnder(dir: string, path: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const full = resolve(dir, `.${decoded}`);
  if (!full.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`)) return undefined;
  try {
    return (await stat(full)).isFile() ? full.slice(dir.length).replace(/^[/\\]*/, '') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Registers the file sender and, after auth, the hook that answers every dashboard request no
 * route claims: a file, index.html, a 404 for a missing asset, or a 503 while web/dist is not
 * built. Files are looked up per request, so a dashboard built after the server started is served.
 */
export async function installDashboard(app: FastifyInstance, dir: string): Promise<void> {
  await app.register(fastifyStatic, { serve: false, decorateReply: true });
  const root = resolve(dir);
  const mount = app.prefix;
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== undefined || !isDashboardRequest(request, mount)) return;
    return serveDashboard(root, mount, request, reply);
  });
}

async function serveDashboard(root: string, mount: string, request: FastifyRequest, reply: FastifyReply) {
  reply.headers(dashboardSecurityHeaders);
  if (!(await fileUnder(root, '/index.html'))) {
    return sendProblem(
      reply,
      request,
      503,
      'dashboard_not_built',
      `the dashboard is not built: no index.html in ${root}; run npm run build in the sluice directory (it builds web/dist/), then reload`,
    );
  }
  const path = pathOf(request, mount);
  const file = path === '/' ? undefined : await fileUnder(root, path);
  if (file !== undefined) {
    reply.header('cache-control', path.startsWith('/assets/') ? IMMUTABLE : 'no-cache');
    return reply.sendFile(file, root, { cacheControl: false });
  }
  // A missing asset is a 404: index.html in its place would be parsed as a script.
  if (path.startsWith('/assets/'))
    return sendProblem(reply, request, 404, 'not_found', `no dashboard file ${path}`);
  reply.header('cache-control', 'no-cache');
  return reply.sendFile('index.html', root, { cacheControl: false });
}

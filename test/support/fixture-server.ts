// A local HTTP server on 127.0.0.1 that replays recorded upstream responses to the code under test.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** Recorded responses from real APIs (see shared/fixtures/README.md). */
export const UPSTREAM_FIXTURES = new URL('../../../shared/fixtures/upstream/', import.meta.url);

export function upstreamFixturePath(name: string): string {
  return fileURLToPath(new URL(name, UPSTREAM_FIXTURES));
}

export function upstreamFixture(name: string): Buffer {
  return readFileSync(new URL(name, UPSTREAM_FIXTURES));
}

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface StaticRoute {
  /** @defaultValue 200 */
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** Keyed by path without the query string, e.g. `/v1/latest`. */
export type Routes = Record<string, StaticRoute | RouteHandler>;

export interface ReceivedRequest {
  method: string;
  /** Path and query string as sent. */
  url: string;
  headers: IncomingHttpHeaders;
}

export interface FixtureServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:54321`. */
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startFixtureServer(routes: Routes): Promise<FixtureServer> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers });
    const path = new URL(request.url ?? '/', 'http://fixture').pathname;
    const route = routes[path];
    if (route === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`no fixture route for ${path}`);
      return;
    }
    if (typeof route === 'function') {
      route(request, response);
      return;
    }
    response.writeHead(route.status ?? 200, route.headers ?? {});
    response.end(route.body ?? '');
  });
  // undici keeps connections alive; a server closing an idle one after its default 5 s, while a
  // test's event loop is busy (PGlite migrating), makes the next request reuse a dead socket and
  // fail with ECONNRESET. close() ends every connection anyway.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Handlers that never answer (timeout tests) would otherwise keep close() waiting.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

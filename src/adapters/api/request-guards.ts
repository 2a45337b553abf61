// Hostile request lines: over-long URLs, bytes that are not UTF-8, NUL in names. Each is a 4xx problem,
// never a 500, and a caller without a token learns nothing beyond 401 (or 414/431 for sheer size).
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../postgres/database.ts';
import { hasValidToken, sendTokenRequired } from './auth.ts';
import { sendProblem } from './problem.ts';

/** Longest accepted request target (path and query), in characters. */
export const MAX_URL_LENGTH = 8 * 1024;
/** Node's limit on the request line and headers together; past it the socket answers 431 itself. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** Longest path parameter; names and ids are far shorter, so this only stops abuse. */
export const MAX_PARAM_LENGTH = 1024;

/** 414 before anything else: an over-long URL is refused by its size alone, whoever sends it. */
export function installUrlLengthGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.length > MAX_URL_LENGTH) {
      return sendProblem(
        reply,
        request,
        414,
        'uri_too_long',
        `the request URL is ${request.url.length} characters long; the limit is ${MAX_URL_LENGTH}`,
      );
    }
  });
}

function nulIn(values: unknown): string | undefined {
  if (typeof values !== 'object' || values === null) return undefined;
  for (const [name, value] of Object.entries(values)) {
    const texts = Array.isArray(value) ? value : [value];
    if (texts.some((text) => typeof text === 'string' && text.includes('\0'))) return name;
  }
  return undefined;
}

/** After auth: a NUL in a path or query parameter is no name any store can hold, so it is a 400. */
export function installParameterGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request, reply) => {
    for (const [where, values] of [
      ['params', request.params],
      ['querystring', request.query],
    ] as const) {
      const name = nulIn(values);
      if (name !== undefined) {
        return sendProblem(
          reply,
          request,
          400,
          'invalid_parameter',
          `${where}.${name}: contains a NUL character (%00), which no name or value here may hold`,
        );
      }
    }
  });
}

/**
 * Fastify's answers before routing (a path that is not UTF-8 percent-encoding, an over-long
 * parameter), as problems; a bad path gets 401 first when the token is missing or wrong.
 */
export function frameworkErrors(db: Queryable) {
  return async (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      return sendProblem(
        reply,
        request,
        414,
        'uri_too_long',
        `a path segment is longer than ${MAX_PARAM_LENGTH} characters`,
      );
    }
    if (!(await hasValidToken(request, db))) {
      return sendTokenRequired(request, reply);
    }
    const detail =
      error.code === 'FST_ERR_BAD_URL'
        ? 'the path is not valid percent-encoded UTF-8 (such as %C3%28 or %FF)'
        : 'the request could not be routed';
    return sendProblem(reply, request, 400, 'bad_request', detail);
  };
}

/** Errors Node's parser raises before a request exists: answered as problems on the raw socket. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', `the request line and headers exceed ${MAX_HEADER_BYTES} bytes`]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'the request did not arrive in time']
        : [400, 'bad_request', 'the request is not valid HTTP'];
  const body = JSON.stringify({
    type: `https://sluice.dev/problems/${code}`,
    title: code.replaceAll('_', ' '),
    status,
    code,
    detail,
  });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${code.replaceAll('_', ' ')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/problem+json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

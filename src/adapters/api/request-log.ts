// How a request appears in the log: Fastify's fields, with every ticket in the query string masked.
import type { FastifyRequest } from 'fastify';

function decodedKey(part: string): string {
  const raw = part.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}

/**
 * Masks the value of every `ticket` parameter, whatever its case or percent-encoding: the query
 * parser decodes `%74icket` to `ticket`, so an encoded key still authenticates and must not leak.
 */
export function maskTicketsInUrl(url: string): string {
  const question = url.indexOf('?');
  if (question === -1) return url;
  const query = url
    .slice(question + 1)
    .split('&')
    .map((part) => {
      if (decodedKey(part).toLowerCase() !== 'ticket') return part;
      const equals = part.indexOf('=');
      return `${equals === -1 ? part : part.slice(0, equals)}=[redacted]`;
    });
  return `${url.slice(0, question)}?${query.join('&')}`;
}

/** Fastify's own `req` serializer with the URL masked; headers stay out, they carry tokens. */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: maskTicketsInUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

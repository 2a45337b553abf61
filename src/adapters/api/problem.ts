// Errors as application/problem+json with a stable code; error codes map to HTTP statuses here only.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ErrorCode, errorCode, errorMessage } from '../../domain/errors.ts';
import { secretRedactor } from '../log/secret-redactor.ts';

/** Every domain code has a status: a new code without one fails tsc instead of answering 500. */
const STATUS: Record<ErrorCode, number> = {
  [ErrorCode.usage]: 400,
  [ErrorCode.config]: 400,
  [ErrorCode.notFound]: 404,
  [ErrorCode.conflict]: 409,
  [ErrorCode.schemaChange]: 409,
  [ErrorCode.cancelled]: 409,
  [ErrorCode.staleAttempt]: 409,
  [ErrorCode.qualityErrorRate]: 422,
  [ErrorCode.quarantineCap]: 422,
  [ErrorCode.rateLimited]: 429,
  [ErrorCode.source]: 502,
  [ErrorCode.sourceFormat]: 502,
  [ErrorCode.upstreamHttp]: 502,
  [ErrorCode.upstreamErrorBody]: 502,
  [ErrorCode.dataDirLocked]: 503,
  [ErrorCode.database]: 503,
  [ErrorCode.breakerOpen]: 503,
  [ErrorCode.timeout]: 504,
  [ErrorCode.abandoned]: 500,
  [ErrorCode.internal]: 500,
};

/** Codes only the HTTP layer answers with (auth, request checks); together with ErrorCode, all the API returns. */
export type ApiProblemCode =
  | 'unauthorized'
  | 'forbidden'
  | 'invalid_parameter'
  | 'bad_request'
  | 'method_not_allowed'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'uri_too_long'
  | 'headers_too_large'
  | 'request_timeout'
  | 'too_many_tickets'
  | 'database_unreachable'
  | 'migrations_pending'
  | 'session_expired'
  | 'session_revoked'
  | 'csrf_failed'
  | 'dashboard_not_built';
export type ProblemCode = ErrorCode | ApiProblemCode;

/** Fastify's client errors that have a code of their own; the others are bad_request. */
const FRAMEWORK_CODES: Partial<Record<string, ApiProblemCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
};

function statusOf(code: string): number | undefined {
  return Object.hasOwn(STATUS, code) ? STATUS[code as ErrorCode] : undefined;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance?: string;
}

export class HttpProblem extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  code: string,
  detail: string,
) {
  const problem: Problem = {
    type: `https://sluice.dev/problems/${code}`,
    title: code.replaceAll('_', ' '),
    status,
    code,
    detail: secretRedactor.redact(detail),
    instance: request.url.split('?')[0],
  };
  return reply.status(status).type('application/problem+json').send(problem);
}

/** Every error becomes a problem document; only a bug in sluice is a 500, and it says so. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'request';
    const details = error.validation.map((issue) => {
      const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return `${where}${path ? `.${path}` : ''}: ${issue.message}`;
    });
    return sendProblem(reply, request, 400, 'invalid_parameter', details.join('; '));
  }
  if (error instanceof HttpProblem)
    return sendProblem(reply, request, error.status, error.code, error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    // Fastify's own client errors: bad JSON, body too large, wrong content type.
    const code = FRAMEWORK_CODES[error.code] ?? 'bad_request';
    return sendProblem(reply, request, error.statusCode, code, error.message);
  }
  const code = errorCode(error);
  const status = statusOf(code);
  if (status !== undefined && status < 500)
    return sendProblem(reply, request, status, code, errorMessage(error));
  if (status !== undefined && code !== ErrorCode.internal && code !== ErrorCode.abandoned)
    return sendProblem(reply, request, status, code, errorMessage(error));
  request.log.error({ err: error }, 'unhandled error');
  return sendProblem(reply, request, 500, ErrorCode.internal, 'internal error; see the server log');
}

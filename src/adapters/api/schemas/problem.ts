// The problem+json body (RFC 9457) every error answers with, and the error responses a route documents.
import { z } from 'zod';

export const PROBLEM_JSON = 'application/problem+json';

export const problemSchema = z
  .object({
    type: z.string().describe('https://sluice.dev/problems/<code>'),
    title: z.string().describe('the code in words'),
    status: z.number().int().describe('the HTTP status, repeated'),
    code: z
      .string()
      .describe('stable machine-readable code: invalid_parameter, not_found, conflict … (docs/api.md)'),
    detail: z.string().describe('what went wrong, for people; secrets are redacted'),
    instance: z.string().optional().describe('the request path'),
  })
  .meta({ id: 'Problem', description: 'An error as RFC 9457 problem details with a stable code.' });

/** What each error status means on this API; a route lists the ones it can answer. */
const MEANING = {
  400: 'invalid_parameter (a path, query or body value; the detail names it), bad_request or usage_error',
  401: 'unauthorized: no bearer token, or an unknown or revoked one',
  403: 'forbidden: the token’s role is too low for this route',
  404: 'not_found: the named pipeline, dataset, run, backfill, key set or provider does not exist',
  409: 'conflict (or cancelled, stale_attempt, schema_change_required): the action does not apply now',
  413: 'body_too_large: the body is over the limit (1 MiB)',
  415: 'unsupported_media_type: the body is not application/json',
  422: 'quality_error_rate or quarantine_cap: the run’s records failed its quality limits',
  429: 'too_many_tickets or rate_limited; see Retry-After',
  500: 'internal_error: a bug in sluice; the server log has the details',
  502: 'source_error, upstream_http_error …: the upstream failed',
  503: 'database_unreachable, migrations_pending, database_error or breaker_open',
  504: 'timeout: the upstream did not answer in time',
} as const;
export type ProblemStatus = keyof typeof MEANING;

const problemContent = { [PROBLEM_JSON]: { schema: problemSchema } };

/** The `response` entries for these error statuses, each a problem+json body. */
export function problems<const S extends ProblemStatus>(
  ...statuses: S[]
): Record<S, { description: string; content: typeof problemContent }> {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: MEANING[status], content: problemContent }]),
  ) as unknown as Record<S, { description: string; content: typeof problemContent }>;
}

/** Every route behind a token: a parameter check (400), the token (401), a bug (500). */
export const viewerProblems = problems(400, 401, 500);
/**
 * Routes for analysts and admins, all of them POST, PUT or DELETE: a viewer's token is refused
 * (403), and a body is limited in size (413) and must be JSON (415).
 */
export const privilegedProblems = problems(400, 401, 403, 413, 415, 500);

/** An ISO 8601 instant as the API writes it (toISOString, or PostgreSQL's form in stored JSON). */
export const instant = z.string().describe('ISO 8601 instant');

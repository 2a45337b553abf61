// Follows an upstream's redirects by the source's policy, so declared headers and secrets never reach another origin.
import type { Readable } from 'node:stream';
import { ErrorCode, SourceError } from '../../domain/errors.ts';
import type { HttpMethod } from '../../domain/http-body.ts';
import type { RedirectPolicy } from '../../domain/source-definition.ts';
import type { PreparedRequest } from './http-request.ts';

export const MAX_REDIRECTIONS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface HopResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Readable;
}

/** One request of the chain; the caller adds its own fixed headers (accept) and signals. */
export interface Hop {
  readonly url: string;
  readonly method: HttpMethod;
  readonly headers: Record<string, string>;
  readonly body: PreparedRequest['body'];
}

export type SendHop<R extends HopResponse> = (hop: Hop) => Promise<R>;

/** 307 and 308 repeat the request as it was; the others continue with a GET and no body (RFC 9110 15.4). */
const KEEPS_METHOD = new Set([307, 308]);

function refused(message: string): SourceError {
  // The same request gets the same redirect: trying again cannot help.
  return new SourceError(ErrorCode.source, message, { retryable: false });
}

/** Removes query values that are secrets; the upstream may have copied them into its Location. */
function withoutSecretQuery(target: URL, secrets: readonly string[]): URL {
  const clean = new URL(target.href);
  for (const [name, value] of [...target.searchParams]) {
    if (secrets.some((secret) => value.includes(secret))) clean.searchParams.delete(name);
  }
  return clean;
}

/**
 * Sends the request and follows redirects (at most MAX_REDIRECTIONS, http(s) only, no loops).
 * Another origin is refused under 'same-origin'; under 'follow' it and every later hop go without
 * the declared headers and secret query values. 'none' refuses any redirect.
 */
export async function sendFollowingRedirects<R extends HopResponse>(
  prepared: PreparedRequest,
  policy: RedirectPolicy,
  method: HttpMethod,
  send: SendHop<R>,
): Promise<R> {
  const { redact } = prepared;
  let url = new URL(prepared.url);
  let headers = prepared.headers;
  let verb = method;
  let body = prepared.body;
  let crossed = false;
  const visited = new Set([url.href]);
  for (let hop = 0; ; hop++) {
    const response = await send({ url: url.href, method: verb, headers, body });
    const location = response.headers.location;
    const locationText = Array.isArray(location) ? location[0] : location;
    if (!REDIRECT_STATUSES.has(response.statusCode) || !locationText) return response;
    // The redirect's own body is never read; destroying it reports an abort nobody needs.
    response.body.on('error', () => {});
    response.body.destroy();
    const from = `${verb} ${hop === 0 ? prepared.shownUrl : redact(url.href)}`;
    let target: URL;
    try {
      target = new URL(locationText, url);
    } catch {
      throw refused(`${from} redirected to "${redact(locationText)}", which is not a valid URL`);
    }
    const to = redact(target.href);
    if (policy === 'none') {
      throw refused(
        `${from} redirected to ${to}; the source sets redirects: 'none': set redirects: 'same-origin' or 'follow' to follow it`,
      );
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw refused(
        `${from} redirected to ${to}, a ${target.protocol} URL; sluice follows only http(s) redirects`,
      );
    }
    if (visited.has(target.href))
      throw refused(`${from} redirected to ${to}, which it already visited: a redirect loop`);
    if (hop + 1 > MAX_REDIRECTIONS) {
      throw refused(
        `${from} redirected to ${to}: more than ${MAX_REDIRECTIONS} redirects in a row, sluice stops there`,
      );
    }
    if (target.origin !== url.origin && !crossed) {
      if (policy === 'same-origin') {
        throw refused(
          `${from} redirected to ${to}, another origin; sluice does not follow it with your headers: set redirects: 'follow' to follow without them`,
        );
      }
      crossed = true;
    }
    if (!KEEPS_METHOD.has(response.statusCode)) {
      verb = 'GET';
      body = undefined;
    }
    if (crossed && body !== undefined) {
      // A form body may hold secrets, and a JSON body the caller's data: neither goes to another origin.
      throw refused(
        `${from} redirected with ${response.statusCode} to ${to}, another origin, which would be sent the request body; sluice does not resend a body to another origin`,
      );
    }
    if (crossed) {
      headers = {};
      target = withoutSecretQuery(target, prepared.secrets);
      // A secret elsewhere in the Location (its path) cannot be dropped without changing the target.
      if (redact(target.href) !== target.href) {
        throw refused(
          `${from} redirected to ${redact(target.href)}, another origin, with a secret in the URL; sluice does not follow it`,
        );
      }
    }
    visited.add(target.href);
    url = target;
  }
}

// Follows an upstream's redirects by the source's policy, so declared headers and secrets never reach another origin.
import type { Readable } from 'node:stream';
import { ErrorCode, SourceError } from '../../domain/errors.ts';
import type { RedirectPolicy } from '../../domain/source-definition.ts';
import type { PreparedRequest } from './http-request.ts';

export const MAX_REDIRECTIONS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface HopResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Readable;
}

/** Sends one GET; the caller adds its own fixed headers (accept) and signals. */
export type SendHop<R extends HopResponse> = (url: string, headers: Record<string, string>) => Promise<R>;

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
  send: SendHop<R>,
): Promise<R> {
  const { redact } = prepared;
  let url = new URL(prepared.url);
  let headers = prepared.headers;
  let crossed = false;
  const visited = new Set([url.href]);
  for (let hop = 0; ; hop++) {
    const response = await send(url.href, headers);
    const location = response.headers.location;
    const locationText = Array.isArray(location) ? location[0] : location;
    if (!REDIRECT_STATUSES.has(response.statusCode) || !locationText) return response;
    // The redirect's own body is never read; destroying it reports an abort nobody needs.
    response.body.on('error', () => {});
    response.body.destroy();
    const from = `GET ${hop === 0 ? prepared.shownUrl : redact(url.href)}`;
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

// An http() source's OAuth 2 session: the cached bearer token, or one fetched from the token endpoint
// (client credentials or refresh token, a form POST), renewed before it expires or after the API answered 401.
import type { Readable } from 'node:stream';
import { request } from 'undici';
import { ErrorCode, isSluiceError, SourceError } from '../../domain/errors.ts';
import type { OAuth2Definition } from '../../domain/oauth2.ts';
import { type HttpSourceDefinition, http, isSecretRef } from '../../domain/source-definition.ts';
import type { Clock, Logger } from '../../engine/ports.ts';
import { createSecretMatcher } from '../log/secret-forms.ts';
import { secretRedactor } from '../log/secret-redactor.ts';
import { type PreparedRequest, prepareRequest, secretValue } from './http-request.ts';
import {
  type StoredToken,
  sealToken,
  type TokenCache,
  tokenCacheKey,
  unsealToken,
} from './oauth2-token-cache.ts';
import { USER_AGENT } from './user-agent.ts';

/** A token endpoint that gives no `expires_in` is taken at one hour; a 401 renews it sooner. */
export const DEFAULT_TOKEN_LIFETIME_MS = 3_600_000;
/** Renewed this long before it expires (a tenth of its lifetime when that is shorter). */
export const REFRESH_MARGIN_MS = 60_000;
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

export interface OAuth2Session {
  /** The token to send now: the cached one while it is fresh, else a new one. */
  token(): Promise<string>;
  /** After a 401 with `rejected`: a new token, unless another worker has already replaced it. */
  renewAfterRejection(rejected: string): Promise<string>;
}

interface SessionContext {
  readonly source: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/**
 * The token request as an http() definition, so secrets resolve and redact as in any other source.
 * A refresh token arrives as the `{{refresh_token}}` parameter: it may be one the endpoint rotated.
 */
function tokenRequestSource(auth: OAuth2Definition, context: SessionContext): HttpSourceDefinition {
  return http({
    url: auth.tokenUrl,
    name: `${context.source} oauth2`,
    method: 'POST',
    body: {
      form: {
        grant_type: auth.grant,
        ...(auth.grant === 'refresh_token' ? { refresh_token: '{{refresh_token}}' } : {}),
        client_id: auth.clientId,
        ...(auth.clientSecret ? { client_secret: auth.clientSecret } : {}),
        ...(auth.scope ? { scope: auth.scope } : {}),
        ...(auth.audience ? { audience: auth.audience } : {}),
      },
    },
    redirects: 'none',
    timeoutMs: context.timeoutMs,
  });
}

async function readCapped(body: Readable): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      parts.push(chunk);
      size += chunk.byteLength;
      if (size > MAX_TOKEN_RESPONSE_BYTES) break;
    }
  } finally {
    body.destroy();
  }
  return Buffer.concat(parts).toString('utf8');
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** What the endpoint said went wrong (RFC 6749 §5.2 `error` and `error_description`), or the body's start. */
function endpointReason(text: string, prepared: PreparedRequest): string {
  const document = parseJson(text);
  if (typeof document?.error === 'string') {
    const description =
      typeof document.error_description === 'string' ? ` (${document.error_description})` : '';
    return prepared.redactAndCut(`${document.error}${description}`, 300);
  }
  return prepared.redactAndCut(text.replace(/\s+/g, ' ').trim(), 200);
}

interface FetchedToken {
  token: string;
  lifetimeMs: number;
  /** A new refresh token, when the endpoint rotates them. */
  refreshToken: string | undefined;
}

async function fetchToken(
  auth: OAuth2Definition,
  context: SessionContext,
  refreshToken: string | undefined,
): Promise<FetchedToken> {
  const params: Record<string, string> = refreshToken === undefined ? {} : { refresh_token: refreshToken };
  const declared = prepareRequest(tokenRequestSource(auth, context), params);
  const matcher = createSecretMatcher([...declared.secrets, ...(refreshToken ? [refreshToken] : [])]);
  const prepared: PreparedRequest = {
    ...declared,
    redact: matcher.redact,
    redactAndCut: matcher.redactAndCut,
  };
  const where = `http() "${context.source}": the OAuth 2 token endpoint ${prepared.shownUrl}`;
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(prepared.url, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'user-agent': USER_AGENT,
        'content-type': prepared.body?.contentType ?? 'application/x-www-form-urlencoded',
      },
      body: prepared.body?.text,
      signal: AbortSignal.any([AbortSignal.timeout(context.timeoutMs), context.signal]),
      headersTimeout: context.timeoutMs,
      bodyTimeout: context.timeoutMs,
    });
  } catch (error) {
    if (isSluiceError(error)) throw error;
    const message = prepared.redact(error instanceof Error ? error.message : String(error));
    throw new SourceError(
      context.signal.aborted ? ErrorCode.cancelled : ErrorCode.source,
      `${where} could not be reached: ${message}`,
      { retryable: !context.signal.aborted },
    );
  }
  const text = await readCapped(response.body);
  const status = response.statusCode;
  if (status < 200 || status >= 300) {
    // 5xx and 429 may pass; a 400/401 (invalid_client, invalid_scope) needs the operator.
    throw new SourceError(
      ErrorCode.source,
      `${where} answered HTTP ${status}: ${endpointReason(text, prepared) || '(empty body)'}`,
      { retryable: status === 429 || status >= 500 },
    );
  }
  const document = parseJson(text);
  const token = document?.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new SourceError(ErrorCode.source, `${where} answered without an access_token`, {
      retryable: false,
    });
  }
  // Registered first: from here on no message, log line or stored error can show it.
  secretRedactor.add(token);
  const type = document?.token_type;
  if (type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'bearer')) {
    throw new SourceError(
      ErrorCode.source,
      `${where} handed out a token of type ${JSON.stringify(type)}; sluice sends Bearer tokens only`,
      { retryable: false },
    );
  }
  const rotated = document?.refresh_token;
  if (typeof rotated === 'string' && rotated !== '') secretRedactor.add(rotated);
  const seconds = Number(document?.expires_in);
  const lifetimeMs =
    document?.expires_in !== undefined && Number.isFinite(seconds) && seconds > 0
      ? seconds * 1000
      : DEFAULT_TOKEN_LIFETIME_MS;
  return {
    token,
    lifetimeMs,
    refreshToken: typeof rotated === 'string' && rotated !== '' ? rotated : undefined,
  };
}

export function createOAuth2Session(
  auth: OAuth2Definition,
  cache: TokenCache,
  context: SessionContext,
): OAuth2Session {
  const clientId = isSecretRef(auth.clientId) ? secretValue(auth.clientId.env) : auth.clientId;
  const clientSecret = auth.clientSecret ? secretValue(auth.clientSecret.env) : undefined;
  const configuredRefresh = auth.grant === 'refresh_token' ? secretValue(auth.refreshToken.env) : undefined;
  // A public client (refresh token, no client secret) seals with the configured refresh token.
  const sealingSecret = clientSecret ?? configuredRefresh ?? '';
  const key = tokenCacheKey({
    tokenUrl: auth.tokenUrl,
    clientId,
    grant: auth.grant,
    refreshToken: configuredRefresh,
    scope: auth.scope,
    audience: auth.audience,
  });
  const fresh = (stored: StoredToken | undefined): string | undefined => {
    if (!stored || context.clock.now() >= stored.refreshAt) return undefined;
    return unsealToken(stored.sealed, sealingSecret, key);
  };
  /** The latest refresh token: the one the endpoint last rotated to, else the configured one. */
  const refreshTokenOf = (stored: StoredToken | undefined): string | undefined => {
    if (configuredRefresh === undefined) return undefined;
    const rotated = stored?.sealedRefresh ? unsealToken(stored.sealedRefresh, sealingSecret, key) : undefined;
    if (rotated) secretRedactor.add(rotated);
    return rotated ?? configuredRefresh;
  };
  const renew = async (rejected: string | undefined): Promise<string> => {
    let result: string | undefined;
    await cache.renew(key, auth.tokenUrl, async (current) => {
      const cached = fresh(current);
      // Another worker renewed while this one waited for the lock: its token serves.
      if (cached !== undefined && cached !== rejected) {
        result = cached;
        return current as StoredToken;
      }
      const fetched = await fetchToken(auth, context, refreshTokenOf(current));
      const now = context.clock.now().getTime();
      const margin = Math.min(REFRESH_MARGIN_MS, fetched.lifetimeMs / 10);
      context.logger.info(
        { provider: context.source, expiresInS: Math.round(fetched.lifetimeMs / 1000) },
        `fetched an OAuth 2 token for "${context.source}"`,
      );
      result = fetched.token;
      return {
        sealed: sealToken(fetched.token, sealingSecret, key),
        sealedRefresh: fetched.refreshToken
          ? sealToken(fetched.refreshToken, sealingSecret, key)
          : current?.sealedRefresh,
        refreshAt: new Date(now + fetched.lifetimeMs - margin),
        expiresAt: new Date(now + fetched.lifetimeMs),
      };
    });
    if (result === undefined)
      throw new SourceError(ErrorCode.internal, 'OAuth 2 token renewal gave no token');
    secretRedactor.add(result);
    return result;
  };
  return {
    async token() {
      const cached = fresh(await cache.read(key));
      if (cached !== undefined) {
        secretRedactor.add(cached);
        return cached;
      }
      return renew(undefined);
    },
    renewAfterRejection: (rejected) => renew(rejected),
  };
}

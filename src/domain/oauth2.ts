// oauth2(): how an http() source gets its bearer token (OAuth 2 client credentials, or a refresh token), checked at config load.
import { ConfigError } from './errors.ts';
import { assertKnownKeys, optionKeys } from './option-keys.ts';
import { isSecretRef, type SecretRef } from './secret.ts';

export interface OAuth2Options {
  /** The token endpoint, a fixed http(s) URL (no `{{param}}`: one token serves every partition). */
  tokenUrl: string;
  /** A plain string, or secret() when the provider treats it as confidential. */
  clientId: string | SecretRef;
  /**
   * Always secret(): a client secret written in the config file would end up in version control.
   * Optional with `refreshToken` only (a public client).
   */
  clientSecret?: SecretRef;
  /**
   * A refresh token (from a consent done once, outside sluice): the refresh-token grant instead of
   * client credentials. A rotated refresh token the endpoint hands back is kept, sealed, in the database.
   */
  refreshToken?: SecretRef;
  /** Space-separated scopes, sent as `scope`. */
  scope?: string;
  /** Sent as `audience` (Auth0, some API gateways). */
  audience?: string;
}

export const OAuth2Grant = {
  clientCredentials: 'client_credentials',
  refreshToken: 'refresh_token',
} as const;
export type OAuth2Grant = (typeof OAuth2Grant)[keyof typeof OAuth2Grant];

export type OAuth2Definition = {
  readonly kind: 'oauth2';
  readonly tokenUrl: string;
  readonly clientId: string | SecretRef;
  readonly scope: string | undefined;
  readonly audience: string | undefined;
} & (
  | { readonly grant: 'client_credentials'; readonly clientSecret: SecretRef }
  | {
      readonly grant: 'refresh_token';
      readonly clientSecret: SecretRef | undefined;
      readonly refreshToken: SecretRef;
    }
);

const OAUTH2_KEYS = optionKeys<OAuth2Options>({
  tokenUrl: true,
  clientId: true,
  clientSecret: true,
  scope: true,
  audience: true,
  refreshToken: true,
});

function optionalText(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.includes('{{'))
    throw new ConfigError(`oauth2(): \`${name}\` must be a non-empty string without {{placeholders}}`);
  return value;
}

export function oauth2(options: OAuth2Options): OAuth2Definition {
  assertKnownKeys('oauth2()', options, OAUTH2_KEYS);
  const tokenUrl = options?.tokenUrl;
  let parsed: URL | undefined;
  try {
    parsed = typeof tokenUrl === 'string' ? new URL(tokenUrl) : undefined;
  } catch {
    parsed = undefined;
  }
  if (
    typeof tokenUrl !== 'string' ||
    !parsed ||
    !/^https?:$/.test(parsed.protocol) ||
    tokenUrl.includes('{{')
  ) {
    throw new ConfigError(
      `oauth2(): \`tokenUrl\` must be a fixed http(s) URL (no {{placeholders}}), got ${JSON.stringify(tokenUrl)}`,
    );
  }
  if (parsed.username || parsed.password)
    throw new ConfigError('oauth2(): `tokenUrl` must not carry credentials; use clientId and clientSecret');
  const clientId = options.clientId;
  if (!isSecretRef(clientId) && (typeof clientId !== 'string' || clientId === '')) {
    throw new ConfigError("oauth2(): `clientId` must be a non-empty string or secret('ENV_NAME')");
  }
  const { clientSecret, refreshToken } = options;
  if (typeof clientSecret === 'string' || typeof refreshToken === 'string') {
    const name = typeof clientSecret === 'string' ? 'clientSecret' : 'refreshToken';
    throw new ConfigError(
      `oauth2(): \`${name}\` must be secret('ENV_NAME'), not the secret itself (the config file is code that gets committed)`,
    );
  }
  if (refreshToken !== undefined && !isSecretRef(refreshToken))
    throw new ConfigError("oauth2(): `refreshToken` must be secret('ENV_NAME')");
  if (clientSecret !== undefined && !isSecretRef(clientSecret))
    throw new ConfigError("oauth2(): `clientSecret` must be secret('ENV_NAME')");
  const common = {
    kind: 'oauth2',
    tokenUrl,
    clientId,
    scope: optionalText('scope', options.scope),
    audience: optionalText('audience', options.audience),
  } as const;
  if (refreshToken) return { ...common, grant: OAuth2Grant.refreshToken, clientSecret, refreshToken };
  if (!clientSecret) {
    throw new ConfigError(
      "oauth2(): `clientSecret` is required: secret('ENV_NAME') (or give `refreshToken` for the refresh-token grant)",
    );
  }
  return { ...common, grant: OAuth2Grant.clientCredentials, clientSecret };
}

/** Refuses anything but an oauth2() definition in http({ auth }), naming the source. */
export function parseHttpAuth(label: string, auth: unknown): OAuth2Definition | undefined {
  if (auth === undefined) return undefined;
  if (typeof auth !== 'object' || auth === null || (auth as { kind?: unknown }).kind !== 'oauth2') {
    throw new ConfigError(`${label}: \`auth\` must be oauth2({ tokenUrl, clientId, clientSecret })`);
  }
  return auth as OAuth2Definition;
}

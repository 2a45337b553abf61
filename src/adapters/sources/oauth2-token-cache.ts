// Where OAuth 2 tokens wait between calls: the port the http source uses, one in-memory implementation,
// and the sealing that keeps a stored token unreadable without the client secret.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** A token as stored: sealed, with when to renew it and when it stops working (the source's clock). */
export interface StoredToken {
  readonly sealed: string;
  /** A rotated refresh token (refresh-token grant), sealed the same way. */
  readonly sealedRefresh?: string | undefined;
  readonly refreshAt: Date;
  readonly expiresAt: Date;
}

export interface TokenCache {
  read(key: string): Promise<StoredToken | undefined>;
  /**
   * Runs `renew` holding a lock on `key` that every process shares, with the token stored now;
   * what it returns is stored when it differs. Two workers renewing at once fetch one token.
   */
  renew(
    key: string,
    tokenUrl: string,
    renew: (current: StoredToken | undefined) => Promise<StoredToken>,
  ): Promise<void>;
}

/** One process, no database: `readSource` outside an opened project, and tests. */
export function createMemoryTokenCache(): TokenCache {
  const tokens = new Map<string, StoredToken>();
  const locks = new Map<string, Promise<void>>();
  return {
    async read(key) {
      return tokens.get(key);
    },
    async renew(key, _tokenUrl, renew) {
      const previous = locks.get(key) ?? Promise.resolve();
      const turn = previous.then(async () => {
        tokens.set(key, await renew(tokens.get(key)));
      });
      const settled = turn.catch(() => {});
      locks.set(key, settled);
      try {
        await turn;
      } finally {
        if (locks.get(key) === settled) locks.delete(key);
      }
    },
  };
}

/**
 * The row's key: the endpoint, client, grant and what was asked for, hashed (a client id may be
 * secret). The configured refresh token is part of it: a new consent starts afresh, not from a
 * token rotated out of an old one.
 */
export function tokenCacheKey(parts: {
  tokenUrl: string;
  clientId: string;
  grant: string;
  refreshToken: string | undefined;
  scope: string | undefined;
  audience: string | undefined;
}): string {
  const text = JSON.stringify([
    parts.tokenUrl,
    parts.clientId,
    parts.scope ?? null,
    parts.audience ?? null,
    parts.grant,
    parts.refreshToken ?? null,
  ]);
  return createHash('sha256').update(text).digest('hex');
}

const INFO = 'sluice oauth2 token cache v1';

function sealingKey(clientSecret: string, cacheKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', clientSecret, cacheKey, INFO, 32));
}

/** AES-256-GCM under a key derived from the client secret; the cache key is bound as associated data. */
export function sealToken(token: string, clientSecret: string, cacheKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(clientSecret, cacheKey), iv);
  cipher.setAAD(Buffer.from(cacheKey));
  const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return ['v1', ...[iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url'))].join('.');
}

/** The token, or undefined when it was sealed under another secret (rotated) or is damaged. */
export function unsealToken(sealed: string, clientSecret: string, cacheKey: string): string | undefined {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) return undefined;
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      sealingKey(clientSecret, cacheKey),
      Buffer.from(iv, 'base64url'),
    );
    decipher.setAAD(Buffer.from(cacheKey));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined;
  }
}

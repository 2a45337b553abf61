// The OAuth 2 token cache every process shares: sealed tokens in sluice.oauth2_tokens, fetched under the row's lock.
import type { StoredToken, TokenCache } from '../sources/oauth2-token-cache.ts';
import type { Queryable } from './database.ts';

interface TokenRow {
  sealed_token: string | null;
  refresh_at: Date | null;
  expires_at: Date | null;
}

function storedOf(row: TokenRow | undefined): StoredToken | undefined {
  if (!row?.sealed_token || !row.refresh_at || !row.expires_at) return undefined;
  return {
    sealed: row.sealed_token,
    refreshAt: new Date(row.refresh_at),
    expiresAt: new Date(row.expires_at),
  };
}

const COLUMNS = 'sealed_token, refresh_at, expires_at';

export function createTokenStore(db: Queryable): TokenCache {
  return {
    async read(key) {
      const { rows } = await db.query<TokenRow>(
        `SELECT ${COLUMNS} FROM sluice.oauth2_tokens WHERE cache_key = $1`,
        [key],
      );
      return storedOf(rows[0]);
    },
    renew(key, tokenUrl, renew) {
      // The row lock is held while the token endpoint answers: a second worker waits for it, then
      // finds the fresh token instead of fetching its own (the fetch has the source's timeout).
      return db.transaction(async (tx) => {
        await tx.query(
          'INSERT INTO sluice.oauth2_tokens (cache_key, token_url) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [key, tokenUrl],
        );
        const { rows } = await tx.query<TokenRow>(
          `SELECT ${COLUMNS} FROM sluice.oauth2_tokens WHERE cache_key = $1 FOR UPDATE`,
          [key],
        );
        const current = storedOf(rows[0]);
        const next = await renew(current);
        if (next === current) return;
        await tx.query(
          `UPDATE sluice.oauth2_tokens
              SET sealed_token = $2, refresh_at = $3, expires_at = $4, fetched_at = clock_timestamp()
            WHERE cache_key = $1`,
          [key, next.sealed, next.refreshAt, next.expiresAt],
        );
      });
    },
  };
}

// The OAuth 2 token cache every process shares: sealed tokens in sluice.oauth2_tokens, fetched under the row's lock.
import type { StoredToken, TokenCache } from '../sources/oauth2-token-cache.ts';
import type { Database, Queryable } from './database.ts';

interface TokenRow {
  sealed_token: string | null;
  sealed_refresh_token: string | null;
  refresh_at: Date | null;
  expires_at: Date | null;
}

function storedOf(row: TokenRow | undefined): StoredToken | undefined {
  if (!row?.sealed_token || !row.refresh_at || !row.expires_at) return undefined;
  return {
    sealed: row.sealed_token,
    sealedRefresh: row.sealed_refresh_token ?? undefined,
    refreshAt: new Date(row.refresh_at),
    expiresAt: new Date(row.expires_at),
  };
}

const COLUMNS = 'sealed_token, sealed_refresh_token, refresh_at, expires_at';

/** Per embedded database, the renewals under way: one process by construction, so a promise chain is the lock. */
const embeddedLocks = new WeakMap<object, Map<string, Promise<void>>>();

async function inTurn(owner: object, key: string, work: () => Promise<void>): Promise<void> {
  const locks = embeddedLocks.get(owner) ?? new Map<string, Promise<void>>();
  embeddedLocks.set(owner, locks);
  const turn = (locks.get(key) ?? Promise.resolve()).then(work);
  const settled = turn.catch(() => {});
  locks.set(key, settled);
  try {
    await turn;
  } finally {
    if (locks.get(key) === settled) locks.delete(key);
  }
}

/**
 * Tokens go through `db`. On a PostgreSQL server (`locks`) a renewal holds the row's lock across
 * processes; on PGlite an in-process lock keyed by the database, so the one connection is not held
 * for as long as the token endpoint takes to answer.
 */
export function createTokenStore(db: Queryable, locks: Database): TokenCache {
  const read = async (key: string) => {
    const { rows } = await db.query<TokenRow>(
      `SELECT ${COLUMNS} FROM sluice.oauth2_tokens WHERE cache_key = $1`,
      [key],
    );
    return storedOf(rows[0]);
  };
  const write = async (tx: Queryable, key: string, tokenUrl: string, next: StoredToken) => {
    await tx.query(
      `INSERT INTO sluice.oauth2_tokens
              (cache_key, token_url, sealed_token, sealed_refresh_token, refresh_at, expires_at, fetched_at)
       VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())
       ON CONFLICT (cache_key) DO UPDATE SET sealed_token = $3, sealed_refresh_token = $4, refresh_at = $5,
                                             expires_at = $6, fetched_at = clock_timestamp()`,
      [key, tokenUrl, next.sealed, next.sealedRefresh ?? null, next.refreshAt, next.expiresAt],
    );
  };
  if (locks.kind !== 'postgres') {
    return {
      read,
      renew: (key, tokenUrl, renew) =>
        inTurn(locks, key, async () => {
          const current = await read(key);
          const next = await renew(current);
          if (next !== current) await write(db, key, tokenUrl, next);
        }),
    };
  }
  return {
    read,
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
        if (next !== current) await write(tx, key, tokenUrl, next);
      });
    },
  };
}

// Dashboard sessions and one-time sign-in codes: stored by hash, read with their token's state.
import type { Role } from '../../domain/roles.ts';
import type { Queryable } from './database.ts';

export interface NewSession {
  id: string;
  tokenName: string;
  sessionHash: string;
  createdAt: Date;
  expiresAt: Date;
}

/** A stored session with the state of the token behind it, for the caller to judge against its clock. */
export interface SessionRecord {
  id: string;
  tokenName: string;
  role: Role;
  expiresAt: Date;
  revokedAt: Date | null;
  tokenRevokedAt: Date | null;
}

/** Opens a session on an active token; undefined when the token is unknown or revoked. */
export async function insertSession(
  db: Queryable,
  session: NewSession,
): Promise<{ name: string; role: Role } | undefined> {
  const { rows } = await db.query<{ name: string; role: Role }>(
    `WITH token AS (
       SELECT name, role FROM sluice.api_tokens WHERE name = $2 AND revoked_at IS NULL
     ), opened AS (
       INSERT INTO sluice.sessions (id, token_name, session_hash, created_at, expires_at)
       SELECT $1, name, $3, $4, $5 FROM token RETURNING token_name
     )
     SELECT token.name, token.role FROM token JOIN opened ON opened.token_name = token.name`,
    [session.id, session.tokenName, session.sessionHash, session.createdAt, session.expiresAt],
  );
  return rows[0];
}

export async function findSession(db: Queryable, sessionHash: string): Promise<SessionRecord | undefined> {
  const { rows } = await db.query<{
    id: string;
    token_name: string;
    role: Role;
    expires_at: Date;
    revoked_at: Date | null;
    token_revoked_at: Date | null;
  }>(
    `SELECT s.id, s.token_name, t.role, s.expires_at, s.revoked_at, t.revoked_at AS token_revoked_at
       FROM sluice.sessions s JOIN sluice.api_tokens t ON t.name = s.token_name
      WHERE s.session_hash = $1`,
    [sessionHash],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    tokenName: row.token_name,
    role: row.role,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    tokenRevokedAt: row.token_revoked_at,
  };
}

/** Sign-out: whether an open session was revoked by this call. */
export async function revokeSession(db: Queryable, sessionHash: string, at: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE sluice.sessions SET revoked_at = $2 WHERE session_hash = $1 AND revoked_at IS NULL',
    [sessionHash, at],
  );
  return rowCount > 0;
}

export async function insertSignInCode(
  db: Queryable,
  code: { codeHash: string; tokenName: string; createdAt: Date; expiresAt: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO sluice.sign_in_codes (code_hash, token_name, created_at, expires_at)
     VALUES ($1, $2, $3, $4)`,
    [code.codeHash, code.tokenName, code.createdAt, code.expiresAt],
  );
}

export type CodeRedemption =
  | { outcome: 'redeemed'; tokenName: string }
  | { outcome: 'used' | 'expired' | 'unknown' };

/**
 * Uses a code once: the UPDATE re-checks `used_at IS NULL` under its row lock, so of two
 * concurrent redemptions only one succeeds. The SELECT beside it says why a refused code was refused.
 */
export async function redeemSignInCode(db: Queryable, codeHash: string, at: Date): Promise<CodeRedemption> {
  const { rows } = await db.query<{ token_name: string; used_at: Date | null; redeemed: boolean }>(
    `WITH redeemed AS (
       UPDATE sluice.sign_in_codes SET used_at = $2
        WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING code_hash
     )
     SELECT c.token_name, c.used_at, EXISTS (SELECT 1 FROM redeemed) AS redeemed
       FROM sluice.sign_in_codes c WHERE c.code_hash = $1`,
    [codeHash, at],
  );
  const row = rows[0];
  if (!row) return { outcome: 'unknown' };
  if (row.redeemed) return { outcome: 'redeemed', tokenName: row.token_name };
  return { outcome: row.used_at === null ? 'expired' : 'used' };
}

/** Forgets sessions and codes that expired before `before`: they can only ever be refused. */
export async function pruneSessions(db: Queryable, before: Date): Promise<void> {
  await db.query(
    `WITH codes AS (DELETE FROM sluice.sign_in_codes WHERE expires_at < $1)
     DELETE FROM sluice.sessions WHERE expires_at < $1`,
    [before],
  );
}

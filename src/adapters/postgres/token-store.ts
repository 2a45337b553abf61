// API tokens: created once (only a hash is kept), listed, revoked, and verified per request.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import type { Role } from '../../domain/roles.ts';
import type { Queryable } from './database.ts';

export interface TokenRecord {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates a token and returns it in clear text: the only time it is ever visible. */
export async function createToken(
  db: Queryable,
  name: string,
  role: Role,
): Promise<{ token: string; record: TokenRecord }> {
  const token = `sluice_${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  try {
    await db.query('INSERT INTO sluice.api_tokens (id, name, role, token_hash) VALUES ($1, $2, $3, $4)', [
      id,
      name,
      role,
      hashToken(token),
    ]);
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new ConflictError(`a token named "${name}" already exists; revoke it or choose another name`, {
        cause: error,
      });
    }
    throw error;
  }
  const [record] = await listTokens(db, id);
  return { token, record: record as TokenRecord };
}

export async function listTokens(db: Queryable, id?: string): Promise<TokenRecord[]> {
  const { rows } = await db.query<{
    id: string;
    name: string;
    role: Role;
    created_at: Date;
    last_used_at: Date | null;
    revoked_at: Date | null;
  }>(
    `SELECT id, name, role, created_at, last_used_at, revoked_at FROM sluice.api_tokens
      WHERE $1::uuid IS NULL OR id = $1 ORDER BY created_at`,
    [id ?? null],
  );
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  }));
}

/** Revocations are announced here, with the token's name as payload, to end its open streams. */
export const TOKEN_REVOKED_CHANNEL = 'sluice_token_revoked';

/** Revokes the token and, in the same statement, tells every listening server (pg_notify). */
export async function revokeToken(db: Queryable, name: string): Promise<void> {
  const { rows } = await db.query<{ name: string }>(
    `WITH revoked AS (
       UPDATE sluice.api_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL RETURNING name
     )
     SELECT name, pg_notify($2, name) FROM revoked`,
    [name, TOKEN_REVOKED_CHANNEL],
  );
  if (rows.length === 0) throw new NotFoundError(`no active token named "${name}"`);
}

/** The names among `names` whose tokens are still active, with their roles. */
export async function activeTokenRoles(db: Queryable, names: readonly string[]): Promise<Map<string, Role>> {
  if (names.length === 0) return new Map();
  const { rows } = await db.query<{ name: string; role: Role }>(
    'SELECT name, role FROM sluice.api_tokens WHERE name = ANY($1::text[]) AND revoked_at IS NULL',
    [names],
  );
  return new Map(rows.map((row) => [row.name, row.role]));
}

/** The role of a presented token, or undefined when it is unknown or revoked. */
export async function verifyToken(
  db: Queryable,
  token: string,
): Promise<{ name: string; role: Role } | undefined> {
  const { rows } = await db.query<{ name: string; role: Role }>(
    `UPDATE sluice.api_tokens SET last_used_at = now()
      WHERE token_hash = $1 AND revoked_at IS NULL RETURNING name, role`,
    [hashToken(token)],
  );
  return rows[0];
}

// Ids by the short form the CLI prints: a full UUID, or a unique prefix of 8+ hex characters.
import { ConflictError, NotFoundError, UsageError } from '../../domain/errors.ts';
import type { Queryable } from './database.ts';

const FULL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The shortest id prefix accepted, in hex characters: what the CLI prints. */
export const MIN_ID_PREFIX = 8;

/** The tables whose UUID ids are taken by prefix, and the column that orders their candidates. */
const TABLES = {
  run: { table: 'sluice.runs', newest: 'queued_at' },
  backfill: { table: 'sluice.backfills', newest: 'created_at' },
} as const;

export type PrefixedThing = keyof typeof TABLES;

/**
 * The full id that `text` names among the `thing`s: a full UUID as is (whether or not it exists:
 * the caller's lookup says), else a unique prefix of at least {@link MIN_ID_PREFIX} hex characters,
 * dashes optional. Errors: too short (usage), no match or not hex (not found), several (conflict,
 * listing them).
 */
export async function resolveIdPrefix(db: Queryable, thing: PrefixedThing, text: string): Promise<string> {
  const id = text.trim();
  if (FULL_UUID.test(id)) return id.toLowerCase();
  const hex = id.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]*$/.test(hex))
    throw new NotFoundError(`${thing} "${text}" not found: a ${thing} id is hexadecimal`);
  if (hex.length < MIN_ID_PREFIX) {
    throw new UsageError(`${thing} id "${text}" is too short: give at least ${MIN_ID_PREFIX} hex characters`);
  }
  // Dashes sit after characters 8, 12, 16 and 20 of a UUID's text.
  const prefix = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)]
    .filter((part) => part !== '')
    .join('-');
  const { table, newest } = TABLES[thing];
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM ${table} WHERE id::text LIKE $1 ORDER BY ${newest} DESC LIMIT 6`,
    [`${prefix}%`],
  );
  const [first, ...others] = rows;
  if (!first) throw new NotFoundError(`${thing} "${text}" not found`);
  if (others.length > 0) {
    const count = rows.length > 5 ? `more than 5 ${thing}s` : `${rows.length} ${thing}s`;
    throw new ConflictError(
      `${thing} id "${text}" is ambiguous; it starts ${count}: ${rows
        .slice(0, 5)
        .map((row) => row.id)
        .join(', ')}`,
    );
  }
  return first.id;
}

// Ids by the short form the CLI prints, in memory: what adapters/postgres/id-prefix.ts does over a table.
import { ConflictError, NotFoundError, UsageError } from '../../src/domain/errors.ts';

const FULL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MIN_PREFIX = 8;

/** The full id `text` names among `newestFirst` (ids, newest first), with the errors of the stores. */
export function resolveMemoryPrefix(
  thing: 'run' | 'backfill',
  text: string,
  newestFirst: readonly string[],
): string {
  const id = text.trim();
  if (FULL_UUID.test(id)) return id.toLowerCase();
  const hex = id.replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]*$/.test(hex))
    throw new NotFoundError(`${thing} "${text}" not found: a ${thing} id is hexadecimal`);
  if (hex.length < MIN_PREFIX) {
    throw new UsageError(`${thing} id "${text}" is too short: give at least ${MIN_PREFIX} hex characters`);
  }
  const matches = newestFirst
    .filter((candidate) => candidate.replaceAll('-', '').startsWith(hex))
    .slice(0, 6);
  const [first, ...others] = matches;
  if (!first) throw new NotFoundError(`${thing} "${text}" not found`);
  if (others.length > 0) {
    const count = matches.length > 5 ? `more than 5 ${thing}s` : `${matches.length} ${thing}s`;
    throw new ConflictError(
      `${thing} id "${text}" is ambiguous; it starts ${count}: ${matches.slice(0, 5).join(', ')}`,
    );
  }
  return first;
}

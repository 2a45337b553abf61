// Stored key sets (`sluice.key_sets`, `sluice.keys`): listing, reading, replacing, upserting and
// removing keys, seeding an empty set, and loading the sets a run or a tick reads.
import { NotFoundError } from '../../domain/errors.ts';
import type { KeySetChange } from '../../domain/key-set.ts';
import type { KeyEntry } from '../../domain/partition-definition.ts';
import type { KeySets } from '../../domain/partition-set.ts';
import {
  type KeyRecord,
  type KeySetRecord,
  type KeySetStore,
  SeedAction,
  type SeedOutcome,
} from '../../engine/key-sets.ts';
import type { Queryable } from './database.ts';
import { toJsonb } from './jsonb.ts';

const NO_CHANGE: KeySetChange = { inserted: 0, updated: 0, unchanged: 0, removed: 0 };

/** Every stored key set with its number of keys, by name. */
export async function listKeySets(db: Queryable): Promise<KeySetRecord[]> {
  const { rows } = await db.query<{ name: string; keys: number; created_at: Date; updated_at: Date }>(
    `SELECT s.name, count(k.key)::int AS keys, s.created_at, s.updated_at
       FROM sluice.key_sets s LEFT JOIN sluice.keys k ON k.key_set = s.name
      GROUP BY s.name ORDER BY s.name`,
  );
  return rows.map((row) => ({
    name: row.name,
    keys: row.keys,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }));
}

/** One set's keys ordered by key; empty when the set is not stored. */
export async function readKeySet(db: Queryable, name: string): Promise<KeyRecord[]> {
  const { rows } = await db.query<{
    key: string;
    attributes: Record<string, string>;
    created_at: Date;
    updated_at: Date;
  }>(
    `SELECT key, attributes, created_at, updated_at FROM sluice.keys WHERE key_set = $1 ORDER BY key COLLATE "C"`,
    [name],
  );
  return rows.map((row) => ({
    key: row.key,
    attributes: row.attributes,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }));
}

/**
 * The keys of each named set, in one query; a set that is not stored or has no keys maps to an
 * empty list (partitions then say how to load it).
 */
export async function loadKeySets(db: Queryable, names: Iterable<string>): Promise<KeySets> {
  const wanted = [...new Set(names)];
  const sets = new Map<string, KeyEntry[]>(wanted.map((name) => [name, []]));
  if (wanted.length === 0) return sets;
  const { rows } = await db.query<{ key_set: string; key: string; attributes: Record<string, string> }>(
    `SELECT key_set, key, attributes FROM sluice.keys
      WHERE key_set = ANY($1::text[]) ORDER BY key_set, key COLLATE "C"`,
    [wanted],
  );
  for (const row of rows) sets.get(row.key_set)?.push({ key: row.key, attributes: row.attributes });
  return sets;
}

/** Makes the whole set exactly `entries`: keys not listed are removed. One transaction. */
export function replaceKeySet(
  db: Queryable,
  name: string,
  entries: readonly KeyEntry[],
): Promise<KeySetChange> {
  return db.transaction(async (tx) => {
    await lockKeySet(tx, name);
    return replaceLocked(tx, name, entries);
  });
}

/** Inserts new keys and updates the attributes of existing ones; other keys stay. */
export function upsertKeys(db: Queryable, name: string, entries: readonly KeyEntry[]): Promise<KeySetChange> {
  return db.transaction(async (tx) => {
    await lockKeySet(tx, name);
    const change = await upsertLocked(tx, name, entries);
    await touchIfChanged(tx, name, change);
    return change;
  });
}

/** Removes one key; a NotFoundError when the set has no such key. */
export async function removeKey(db: Queryable, name: string, key: string): Promise<void> {
  await db.transaction(async (tx) => {
    const { rowCount } = await tx.query('DELETE FROM sluice.keys WHERE key_set = $1 AND key = $2', [
      name,
      key,
    ]);
    if (rowCount === 0) throw new NotFoundError(`key set "${name}" has no key "${key}"`);
    await tx.query('UPDATE sluice.key_sets SET updated_at = now() WHERE name = $1', [name]);
  });
}

/**
 * Loads a seed only into an empty set, or replaces the set with `force`. The emptiness check and
 * the write happen under the set's row lock, so two `sluice seed` at once cannot both seed.
 */
export function seedKeySet(
  db: Queryable,
  name: string,
  entries: readonly KeyEntry[],
  options: { force: boolean },
): Promise<SeedOutcome> {
  return db.transaction(async (tx) => {
    await lockKeySet(tx, name);
    const { rows } = await tx.query<{ keys: number }>(
      'SELECT count(*)::int AS keys FROM sluice.keys WHERE key_set = $1',
      [name],
    );
    const before = rows[0]?.keys ?? 0;
    if (before > 0 && !options.force) return { action: SeedAction.kept, before, change: NO_CHANGE };
    const change = await replaceLocked(tx, name, entries);
    return { action: before > 0 ? SeedAction.replaced : SeedAction.seeded, before, change };
  });
}

/** The key sets port on one database; all the seeds of one call in one transaction. */
export function createKeySetQueries(db: Queryable): KeySetStore {
  return {
    list: () => listKeySets(db),
    read: (name) => readKeySet(db, name),
    replace: (name, entries) => replaceKeySet(db, name, entries),
    upsert: (name, entries) => upsertKeys(db, name, entries),
    remove: (name, key) => removeKey(db, name, key),
    seed: (sets, force) =>
      db.transaction(async (tx) => {
        const outcomes: SeedOutcome[] = [];
        for (const set of sets) outcomes.push(await seedKeySet(tx, set.name, set.entries, { force }));
        return outcomes;
      }),
  };
}

/** Creates the set's row if needed and locks it: writers of one set take turns. */
async function lockKeySet(tx: Queryable, name: string): Promise<void> {
  await tx.query('INSERT INTO sluice.key_sets (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [name]);
  await tx.query('SELECT 1 FROM sluice.key_sets WHERE name = $1 FOR UPDATE', [name]);
}

async function replaceLocked(
  tx: Queryable,
  name: string,
  entries: readonly KeyEntry[],
): Promise<KeySetChange> {
  const { rowCount: removed } = await tx.query(
    'DELETE FROM sluice.keys WHERE key_set = $1 AND NOT (key = ANY($2::text[]))',
    [name, entries.map((entry) => entry.key)],
  );
  const change = { ...(await upsertLocked(tx, name, entries)), removed };
  await touchIfChanged(tx, name, change);
  return change;
}

/**
 * One statement: `unchanged` counts input rows already stored with equal attributes (the CTE sees
 * the table as it was before the statement), `inserted`/`updated` what the upsert wrote.
 */
async function upsertLocked(
  tx: Queryable,
  name: string,
  entries: readonly KeyEntry[],
): Promise<KeySetChange> {
  if (entries.length === 0) return NO_CHANGE;
  const { rows } = await tx.query<{ inserted: number; updated: number; unchanged: number }>(
    `WITH input AS (
       SELECT i.key, i.attributes FROM jsonb_to_recordset($2::jsonb) AS i(key text, attributes jsonb)
     ), same AS (
       SELECT count(*)::int AS n FROM input
         JOIN sluice.keys k ON k.key_set = $1 AND k.key = input.key AND k.attributes = input.attributes
     ), written AS (
       INSERT INTO sluice.keys (key_set, key, attributes) SELECT $1, key, attributes FROM input
       ON CONFLICT (key_set, key) DO UPDATE SET attributes = EXCLUDED.attributes, updated_at = now()
        WHERE sluice.keys.attributes IS DISTINCT FROM EXCLUDED.attributes
       RETURNING (xmax = 0) AS inserted
     )
     SELECT (SELECT count(*) FROM written WHERE inserted)::int AS inserted,
            (SELECT count(*) FROM written WHERE NOT inserted)::int AS updated,
            (SELECT n FROM same) AS unchanged`,
    [name, toJsonb(entries.map((entry) => ({ key: entry.key, attributes: entry.attributes })))],
  );
  const counts = rows[0] ?? { inserted: 0, updated: 0, unchanged: 0 };
  return { inserted: counts.inserted, updated: counts.updated, unchanged: counts.unchanged, removed: 0 };
}

async function touchIfChanged(tx: Queryable, name: string, change: KeySetChange): Promise<void> {
  if (change.inserted + change.updated + change.removed === 0) return;
  await tx.query('UPDATE sluice.key_sets SET updated_at = now() WHERE name = $1', [name]);
}

// Key sets as people see them: each declared set with its key count, and stored sets no longer declared.
import { relative, sep } from 'node:path';
import type { ResolvedKeySet } from '../../domain/key-set.ts';
import type { Queryable } from './database.ts';
import { listKeySets } from './key-set-store.ts';

export interface KeySetSummary {
  name: string;
  /** False for a set still stored after its declaration was removed from the config. */
  declared: boolean;
  /** The seed file relative to the config's directory. */
  seed: string | null;
  description: string | null;
  keys: number;
  updatedAt: string | null;
}

/** Declared sets with their key counts, then stored sets the config no longer declares. */
export async function summarizeKeySets(
  db: Queryable,
  keySets: ReadonlyMap<string, ResolvedKeySet>,
  baseDir: string,
): Promise<KeySetSummary[]> {
  const stored = new Map((await listKeySets(db)).map((record) => [record.name, record]));
  const declared = [...keySets.values()].map((keySet) => ({
    name: keySet.name,
    declared: true,
    seed: keySet.seed === undefined ? null : relative(baseDir, keySet.seed).split(sep).join('/'),
    description: keySet.description ?? null,
    keys: stored.get(keySet.name)?.keys ?? 0,
    updatedAt: stored.get(keySet.name)?.updatedAt ?? null,
  }));
  const leftover = [...stored.values()]
    .filter((record) => !keySets.has(record.name))
    .map((record) => ({
      name: record.name,
      declared: false,
      seed: null,
      description: null,
      keys: record.keys,
      updatedAt: record.updatedAt,
    }));
  return [...declared, ...leftover];
}

// Key sets as operators manage them: declared sets with their key counts, one set's keys, writes
// (upsert, replace, remove, import a file) and seeding declared sets from their seed files.
import { relative, sep } from 'node:path';
import { UsageError } from '../domain/errors.ts';
import { declaredKeySet, type KeySetChange, type ResolvedKeySet } from '../domain/key-set.ts';
import type { KeyEntry } from '../domain/partition-definition.ts';
import type { Project } from './app.ts';

export interface KeySetRecord {
  name: string;
  keys: number;
  createdAt: string;
  updatedAt: string;
}

export interface KeyRecord extends KeyEntry {
  createdAt: string;
  updatedAt: string;
}

export const SeedAction = { seeded: 'seeded', kept: 'kept', replaced: 'replaced' } as const;
export type SeedAction = (typeof SeedAction)[keyof typeof SeedAction];

export interface SeedOutcome {
  action: SeedAction;
  /** Keys in the set before seeding (the reason a set is kept). */
  before: number;
  change: KeySetChange;
}

export interface SeedResult extends SeedOutcome {
  keySet: string;
  /** The seed file relative to the config's directory. */
  seed: string;
}

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

export interface KeySetStore {
  /** Every stored key set with its number of keys, by name. */
  list(): Promise<KeySetRecord[]>;
  /** One set's keys ordered by key; empty when the set is not stored. */
  read(name: string): Promise<KeyRecord[]>;
  /** Makes the whole set exactly `entries`: keys not listed are removed. */
  replace(name: string, entries: readonly KeyEntry[]): Promise<KeySetChange>;
  /** Inserts new keys and updates the attributes of existing ones; other keys stay. */
  upsert(name: string, entries: readonly KeyEntry[]): Promise<KeySetChange>;
  /** A NotFoundError when the set has no such key. */
  remove(name: string, key: string): Promise<void>;
  /**
   * Loads each set only when empty, or replaces it with `force`, all atomically: a failure leaves
   * every set as it was, and two seeds at once cannot both seed one set.
   */
  seed(
    sets: ReadonlyArray<{ name: string; entries: readonly KeyEntry[] }>,
    force: boolean,
  ): Promise<SeedOutcome[]>;
}

export interface KeySetsPorts {
  store: KeySetStore;
  project: Pick<Project, 'config' | 'baseDir'>;
  /** Reads and checks a seed or import file (JSON or CSV); `shown` names it in errors. */
  readFile(path: string, shown: string): Promise<KeyEntry[]>;
}

export interface StoredKeySets {
  /** Declared sets with their key counts, then stored sets the config no longer declares. */
  summary(): Promise<KeySetSummary[]>;
  /** The declared set of that name; a NotFoundError naming the declared ones otherwise. */
  declared(name: string): ResolvedKeySet;
  read(name: string): Promise<KeyRecord[]>;
  upsert(name: string, entries: readonly KeyEntry[]): Promise<KeySetChange>;
  replace(name: string, entries: readonly KeyEntry[]): Promise<KeySetChange>;
  remove(name: string, key: string): Promise<void>;
  /** Upserts the keys of a file into a declared set, or makes the set exactly the file with `replace`. */
  import(name: string, file: { path: string; shown: string }, replace: boolean): Promise<KeySetChange>;
  /**
   * Seeds the sets named (each must declare a seed file), or every set that declares one; every
   * file is read and checked before anything is written.
   */
  seed(names: readonly string[], force: boolean): Promise<SeedResult[]>;
}

export function createKeySets(ports: KeySetsPorts): StoredKeySets {
  const { store, project } = ports;
  const declared = (name: string) => declaredKeySet(name, project.config.keySets);

  const setsToSeed = (names: readonly string[]): Array<ResolvedKeySet & { seed: string }> => {
    const chosen =
      names.length > 0
        ? names.map(declared)
        : [...project.config.keySets.values()].filter((keySet) => keySet.seed !== undefined);
    return chosen.map((keySet) => {
      if (keySet.seed === undefined) {
        throw new UsageError(
          `key set "${keySet.name}" declares no seed file: add keySets.${keySet.name}.seed, or use \`sluice keys ${keySet.name} import <file>\``,
        );
      }
      return { ...keySet, seed: keySet.seed };
    });
  };

  return {
    async summary() {
      const keySets = project.config.keySets;
      const stored = new Map((await store.list()).map((record) => [record.name, record]));
      const declaredSets = [...keySets.values()].map((keySet) => ({
        name: keySet.name,
        declared: true,
        seed: keySet.seed === undefined ? null : relative(project.baseDir, keySet.seed).split(sep).join('/'),
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
      return [...declaredSets, ...leftover];
    },
    declared,
    // Async so that an undeclared set is a rejection like any other failure, never a throw.
    read: async (name) => store.read(declared(name).name),
    upsert: async (name, entries) => store.upsert(declared(name).name, entries),
    replace: async (name, entries) => store.replace(declared(name).name, entries),
    remove: async (name, key) => store.remove(declared(name).name, key),
    async import(name, file, replace) {
      const keySet = declared(name).name;
      const entries = await ports.readFile(file.path, file.shown);
      return replace ? store.replace(keySet, entries) : store.upsert(keySet, entries);
    },
    async seed(names, force) {
      const files: Array<{ name: string; seed: string; entries: KeyEntry[] }> = [];
      for (const set of setsToSeed(names)) {
        const shown = relative(project.baseDir, set.seed);
        files.push({ name: set.name, seed: shown, entries: await ports.readFile(set.seed, shown) });
      }
      const outcomes = await store.seed(files, force);
      return files.map((file, index) => ({ keySet: file.name, seed: file.seed, ...outcomes[index]! }));
    },
  };
}

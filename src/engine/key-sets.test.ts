// The key sets section against an in-memory store: declared-set checks before any write, seeding
// that reads every file before writing, and the summary of declared and leftover sets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResolvedKeySet } from '../domain/key-set.ts';
import type { KeyEntry } from '../domain/partition-definition.ts';
import type { SluiceConfig } from '../domain/pipeline-definition.ts';
import { createKeySets, type KeySetStore, SeedAction } from './key-sets.ts';

const NO_CHANGE = { inserted: 0, updated: 0, unchanged: 0, removed: 0 };
const keySets = new Map<string, ResolvedKeySet>([
  ['sites', { name: 'sites', seed: '/project/seeds/sites.json', description: 'flying sites' }],
  ['beacons', { name: 'beacons' }],
] as Array<[string, ResolvedKeySet]>);
const config = { keySets } as unknown as SluiceConfig;

function keySetsWith(files: Record<string, KeyEntry[] | Error>) {
  const writes: string[] = [];
  const store: KeySetStore = {
    list: async () => [
      { name: 'sites', keys: 2, createdAt: 'c', updatedAt: 'u' },
      { name: 'old', keys: 1, createdAt: 'c', updatedAt: 'u2' },
    ],
    read: async () => [],
    async replace(name) {
      writes.push(`replace ${name}`);
      return NO_CHANGE;
    },
    async upsert(name) {
      writes.push(`upsert ${name}`);
      return NO_CHANGE;
    },
    remove: async (name, key) => void writes.push(`remove ${name} ${key}`),
    seed: async (sets, force) => {
      writes.push(`seed ${sets.map((set) => `${set.name}:${set.entries.length}`).join(',')} ${force}`);
      return sets.map(() => ({ action: SeedAction.seeded, before: 0, change: NO_CHANGE }));
    },
  };
  const readFile = async (path: string, shown: string) => {
    const found = files[path];
    if (found instanceof Error) throw found;
    if (!found) throw new Error(`no file ${shown}`);
    return found;
  };
  return { writes, sets: createKeySets({ store, project: { config, baseDir: '/project' }, readFile }) };
}

describe('createKeySets', () => {
  it('refuses an undeclared set before touching the store', async () => {
    const { writes, sets } = keySetsWith({});
    await assert.rejects(
      sets.upsert('ghost', []),
      /key set "ghost" is not declared .*declared: sites, beacons/,
    );
    await assert.rejects(sets.remove('ghost', 'a'), { code: 'not_found' });
    await assert.rejects(sets.import('ghost', { path: '/x.json', shown: 'x.json' }, false), {
      code: 'not_found',
    });
    assert.deepEqual(writes, []);
  });

  it('imports a file into a set, upserting or replacing', async () => {
    const { writes, sets } = keySetsWith({ '/x.json': [{ key: 'a', attributes: {} }] });
    await sets.import('beacons', { path: '/x.json', shown: 'x.json' }, false);
    await sets.import('beacons', { path: '/x.json', shown: 'x.json' }, true);
    assert.deepEqual(writes, ['upsert beacons', 'replace beacons']);
  });

  it('seeds the sets that declare a seed file, naming it relative to the project', async () => {
    const { writes, sets } = keySetsWith({
      '/project/seeds/sites.json': [{ key: 'annecy', attributes: {} }],
    });
    const results = await sets.seed([], true);
    assert.deepEqual(results, [
      { keySet: 'sites', seed: 'seeds/sites.json', action: 'seeded', before: 0, change: NO_CHANGE },
    ]);
    assert.deepEqual(writes, ['seed sites:1 true']);
    await assert.rejects(sets.seed(['beacons'], false), /key set "beacons" declares no seed file/);
  });

  it('writes nothing when a seed file is bad', async () => {
    const { writes, sets } = keySetsWith({
      '/project/seeds/sites.json': new Error('line 3: key is missing'),
    });
    await assert.rejects(sets.seed([], false), /line 3/);
    assert.deepEqual(writes, []);
  });

  it('summarises declared sets with their counts, then stored sets no longer declared', async () => {
    const { sets } = keySetsWith({});
    assert.deepEqual(await sets.summary(), [
      {
        name: 'sites',
        declared: true,
        seed: 'seeds/sites.json',
        description: 'flying sites',
        keys: 2,
        updatedAt: 'u',
      },
      { name: 'beacons', declared: true, seed: null, description: null, keys: 0, updatedAt: null },
      { name: 'old', declared: false, seed: null, description: null, keys: 1, updatedAt: 'u2' },
    ]);
  });
});

// Stored key sets on PGlite and PostgreSQL: counts come from what the database did.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../../../test/support/databases.ts';
import type { Database } from './database.ts';
import {
  listKeySets,
  loadKeySets,
  readKeySet,
  removeKey,
  replaceKeySet,
  seedKeySet,
  upsertKeys,
} from './key-set-store.ts';
import { migrate } from './migrate.ts';

const annecy = { key: 'annecy', attributes: { romma_id: '74010', lat: '45.9' } };
const chambery = { key: 'chambery', attributes: { romma_id: '73065' } };
const lyon = { key: 'lyon', attributes: {} };

for (const backend of await testBackends()) {
  describe(`key set store on ${backend.kind}`, { skip: backend.skip }, () => {
    let db: Database;
    let close: () => Promise<void>;
    before(async () => {
      const opened = await backend.open();
      db = opened.db;
      close = opened.close;
      await migrate(db);
    });
    after(() => close());

    it('replaces a whole set and counts inserted, updated, unchanged and removed', async () => {
      assert.deepEqual(await replaceKeySet(db, 'sites', [annecy, chambery]), {
        inserted: 2,
        updated: 0,
        unchanged: 0,
        removed: 0,
      });
      // Attribute order does not make a change: jsonb compares values.
      const reordered = { key: 'annecy', attributes: { lat: '45.9', romma_id: '74010' } };
      const moved = { key: 'chambery', attributes: { romma_id: '73066' } };
      assert.deepEqual(await replaceKeySet(db, 'sites', [lyon, reordered]), {
        inserted: 1,
        updated: 0,
        unchanged: 1,
        removed: 1,
      });
      assert.deepEqual(await replaceKeySet(db, 'sites', [annecy, lyon, moved]), {
        inserted: 1,
        updated: 0,
        unchanged: 2,
        removed: 0,
      });
      assert.deepEqual(
        (await readKeySet(db, 'sites')).map(({ key, attributes }) => ({ key, attributes })),
        [annecy, moved, lyon],
      );
    });

    it('upserts keys without touching the others, and removes one key', async () => {
      assert.deepEqual(
        await upsertKeys(db, 'sites', [chambery, { key: 'grenoble', attributes: { x: '1' } }]),
        {
          inserted: 1,
          updated: 1,
          unchanged: 0,
          removed: 0,
        },
      );
      assert.equal((await readKeySet(db, 'sites')).length, 4);
      await removeKey(db, 'sites', 'grenoble');
      await assert.rejects(removeKey(db, 'sites', 'grenoble'), /key set "sites" has no key "grenoble"/);
      await assert.rejects(removeKey(db, 'nothing', 'a'), /has no key/);
      assert.deepEqual(
        (await listKeySets(db)).map(({ name, keys }) => ({ name, keys })),
        [{ name: 'sites', keys: 3 }],
      );
    });

    it('seeds only an empty set unless forced', async () => {
      const seeded = await seedKeySet(db, 'beacons', [annecy, lyon], { force: false });
      assert.equal(seeded.action, 'seeded');
      assert.equal(seeded.change.inserted, 2);
      const kept = await seedKeySet(db, 'beacons', [chambery], { force: false });
      assert.deepEqual(kept, {
        action: 'kept',
        before: 2,
        change: { inserted: 0, updated: 0, unchanged: 0, removed: 0 },
      });
      const replaced = await seedKeySet(db, 'beacons', [annecy, chambery], { force: true });
      assert.deepEqual(replaced, {
        action: 'replaced',
        before: 2,
        change: { inserted: 1, updated: 0, unchanged: 1, removed: 1 },
      });
    });

    it('loads several sets in one query; an unknown or emptied set is an empty list', async () => {
      await replaceKeySet(db, 'emptied', [lyon]);
      await replaceKeySet(db, 'emptied', []);
      const sets = await loadKeySets(db, ['sites', 'beacons', 'emptied', 'ghost', 'sites']);
      assert.deepEqual([...sets.keys()], ['sites', 'beacons', 'emptied', 'ghost']);
      assert.deepEqual(
        sets.get('beacons')?.map((entry) => entry.key),
        ['annecy', 'chambery'],
      );
      assert.deepEqual(sets.get('sites')?.[0], annecy);
      assert.deepEqual(sets.get('emptied'), []);
      assert.deepEqual(sets.get('ghost'), []);
      assert.equal((await loadKeySets(db, [])).size, 0);
      const listed = await listKeySets(db);
      assert.equal(listed.find((set) => set.name === 'emptied')?.keys, 0);
    });
  });
}

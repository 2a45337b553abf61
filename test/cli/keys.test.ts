// `sluice keys` and `sluice seed` through the CLI's main(): seeding only empty sets, --force, a
// malformed seed that changes nothing, and managing single keys.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliSession } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { seedPgliteDataDir } from '../support/pglite-template.ts';

const CONFIG = `import { dataset, defineConfig, files, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
});
export default defineConfig({
  datasets: [readings],
  keySets: {
    sites: { seed: 'seeds/sites.csv', description: 'weather stations' },
    beacons: { seed: 'seeds/beacons.json' },
  },
  pipelines: [
    pipeline('obs', { source: files({ dir: 'data' }), into: readings, partitions: { keys: { name: 'site', keySet: 'sites' } } }),
  ],
});
`;

interface StoredKey {
  key: string;
  attributes: Record<string, string>;
}

for (const backend of await testBackends()) {
  describe(`sluice keys and seed on ${backend.kind}`, { skip: backend.skip }, () => {
    const session = cliSession();
    let dir: string;
    let env: Record<string, string | undefined>;
    let closeDb: () => Promise<void> = async () => {};
    const cli = (...args: string[]) => session.run(args, { cwd: dir, env });
    const keysOf = async (set: string): Promise<StoredKey[]> => {
      const result = await cli('keys', set, '--json');
      assert.equal(result.code, 0, result.stderr);
      return (JSON.parse(result.stdout) as { keys: StoredKey[] }).keys.map(({ key, attributes }) => ({
        key,
        attributes,
      }));
    };
    const seeds = (name: string, text: string) => writeFile(join(dir, 'seeds', name), text);

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'sluice-keys-'));
      await writeFile(join(dir, 'sluice.config.ts'), CONFIG);
      await mkdir(join(dir, 'seeds'));
      await seeds('sites.csv', 'key,romma_id,lat\nannecy,74010,45.9\nchambery,73065,\n');
      await seeds('beacons.json', JSON.stringify([{ key: 'annecy', primary: 'p1', backup: 'b1' }]));
      if (backend.kind === 'pglite') await seedPgliteDataDir(join(dir, '.sluice'));
      env = {};
      if (backend.kind === 'postgres') {
        const opened = await backend.open({ migrated: true });
        env.DATABASE_URL = opened.url;
        await opened.db.close();
        closeDb = opened.close;
      }
    });
    after(async () => {
      await session.close();
      await rm(dir, { recursive: true, force: true });
      await closeDb().catch(() => {});
    });

    it('seeds empty sets, keeps filled ones, and lists them', async () => {
      const first = await cli('seed');
      assert.equal(first.code, 0, first.stderr);
      assert.equal(
        first.stdout,
        'sites: seeded 2 keys from seeds/sites.csv\nbeacons: seeded 1 key from seeds/beacons.json\n',
      );
      const again = await cli('seed', 'sites');
      assert.equal(again.code, 0, again.stderr);
      assert.equal(
        again.stdout,
        'sites: kept (already has 2 keys; use --force to replace them with seeds/sites.csv)\n',
      );
      const list = await cli('keys', '--json');
      assert.equal(list.code, 0, list.stderr);
      const { keySets } = JSON.parse(list.stdout);
      assert.deepEqual(
        keySets.map((set: { name: string; keys: number; seed: string; description: string | null }) => [
          set.name,
          set.keys,
          set.seed,
          set.description,
        ]),
        [
          ['sites', 2, 'seeds/sites.csv', 'weather stations'],
          ['beacons', 1, 'seeds/beacons.json', null],
        ],
      );
      const table = await cli('keys', 'sites');
      assert.match(table.stdout, /^key +lat +romma_id\nannecy +45\.9 +74010\nchambery +- +73065\n$/);
    });

    it('replaces a set with --force and reports what changed', async () => {
      await seeds('sites.csv', 'key,romma_id,lat\nannecy,74010,45.9\nchambery,73066,\nlyon,69001,\n');
      const forced = await cli('seed', 'sites', '--force', '--json');
      assert.equal(forced.code, 0, forced.stderr);
      const [result] = JSON.parse(forced.stdout).keySets;
      assert.equal(result.action, 'replaced');
      assert.deepEqual(result.change, { inserted: 1, updated: 1, unchanged: 1, removed: 0 });
      await seeds('sites.csv', 'key,romma_id\nannecy,74010\n');
      const human = await cli('seed', 'sites', '--force');
      assert.equal(
        human.stdout,
        'sites: replaced from seeds/sites.csv (inserted 0, updated 1, unchanged 0, removed 2)\n',
      );
    });

    it('refuses a malformed seed file naming file, line and field, and changes no set', async () => {
      await seeds('beacons.json', JSON.stringify([{ key: 'lyon', primary: 'p9' }]));
      await seeds('sites.csv', 'key,romma_id\nannecy,74010\nan necy,1\n');
      const before = { sites: await keysOf('sites'), beacons: await keysOf('beacons') };
      const failed = await cli('seed', '--force');
      assert.equal(failed.code, 2, failed.stderr);
      assert.match(failed.stderr, /seeds\/sites\.csv is not valid \(1 problem; nothing was changed\)/);
      assert.match(failed.stderr, /seeds\/sites\.csv line 3, field "key": must be a non-empty string/);
      assert.deepEqual({ sites: await keysOf('sites'), beacons: await keysOf('beacons') }, before);
    });

    it('adds, updates and removes single keys, and imports a file', async () => {
      const added = await cli('keys', 'sites', 'add', 'lyon', 'romma_id=69001', 'note=a=b');
      assert.equal(added.code, 0, added.stderr);
      assert.equal(added.stdout, 'sites: key "lyon" added\n');
      assert.equal(
        (await cli('keys', 'sites', 'add', 'lyon', 'romma_id=69002')).stdout,
        'sites: key "lyon" updated\n',
      );
      assert.deepEqual((await keysOf('sites')).at(-1), { key: 'lyon', attributes: { romma_id: '69002' } });
      assert.equal((await cli('keys', 'sites', 'remove', 'lyon')).stdout, 'sites: key "lyon" removed\n');
      const missing = await cli('keys', 'sites', 'remove', 'lyon');
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /key set "sites" has no key "lyon"/);
      const bad = await cli('keys', 'sites', 'add', 'a|b', '1x=2');
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /arguments, field "key".*\n.*arguments, field "1x": attribute names/);
      await writeFile(join(dir, 'more.json'), JSON.stringify([{ key: 'grenoble', romma_id: '38185' }]));
      const imported = await cli('keys', 'sites', 'import', 'more.json', '--replace');
      assert.equal(imported.code, 0, imported.stderr);
      assert.equal(
        imported.stdout,
        'sites: imported more.json (inserted 1, updated 0, unchanged 0, removed 1)\n',
      );
    });

    it('names the declared sets when a set is unknown', async () => {
      for (const args of [
        ['keys', 'ghost'],
        ['seed', 'ghost'],
        ['keys', 'ghost', 'add', 'a'],
      ]) {
        const result = await cli(...args);
        assert.equal(result.code, 2, args.join(' '));
        assert.match(
          result.stderr,
          /key set "ghost" is not declared in the config \(declared: sites, beacons\)/,
        );
      }
    });
  });
}

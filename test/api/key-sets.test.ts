// The key set routes over real HTTP with real tokens, on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import { readJson } from '../support/http.ts';
import { withInitProject } from '../support/project.ts';

const CONFIG = `import { dataset, defineConfig, files, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
});
export default defineConfig({
  datasets: [readings],
  keySets: { sites: { seed: 'seeds/sites.json', description: 'weather stations' }, beacons: {} },
  pipelines: [
    pipeline('obs', { source: files({ dir: 'data' }), into: readings, partitions: { keys: { name: 'site', keySet: 'sites' } } }),
  ],
});
`;

for (const backend of await testBackends()) {
  describe(`key set API on ${backend.kind}`, { skip: backend.skip }, () => {
    let sluice: Sluice;
    let base: string;
    let close: () => Promise<void>;
    const tokens: Record<string, string> = {};

    before(async () => {
      const project = await withInitProject();
      await writeFile(join(project.dir, 'sluice.config.ts'), CONFIG);
      const database = await backend.open({ migrated: true });
      if (!database.url) await database.db.close();
      sluice = await openSluice({
        cwd: project.dir,
        databaseUrl: database.url,
        dataDir: join(project.dir, '.sluice'),
        logger: createLogger({ level: 'silent' }),
      });
      for (const role of ['viewer', 'admin'] as const) {
        tokens[role] = (await createToken(sluice.db, `t_${role}`, role)).token;
      }
      const server = await buildApiServer(sluice);
      base = await server.app.listen({ port: 0, host: '127.0.0.1' });
      close = async () => {
        await server.app.close();
        await sluice.close();
        if (database.url) await database.close();
        await project.remove();
      };
    });
    after(() => close());

    const call = (method: string, path: string, caller: 'viewer' | 'admin', body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tokens[caller]}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    it('replaces a set (admin) and lists it with its count (viewer)', async () => {
      const keys = [
        { key: 'annecy', attributes: { romma_id: '74010', lat: 45.9 } },
        { key: 'chambery', attributes: { romma_id: '73065' } },
        { key: 'lyon' },
      ];
      assert.equal((await call('PUT', '/api/key-sets/sites', 'viewer', { keys })).status, 403);
      const put = await call('PUT', '/api/key-sets/sites', 'admin', { keys });
      assert.equal(put.status, 200);
      assert.deepEqual(await readJson(put), {
        keySet: 'sites',
        inserted: 3,
        updated: 0,
        unchanged: 0,
        removed: 0,
      });
      const again = await readJson(
        await call('PUT', '/api/key-sets/sites', 'admin', { keys: keys.slice(0, 2) }),
      );
      assert.deepEqual(again, { keySet: 'sites', inserted: 0, updated: 0, unchanged: 2, removed: 1 });
      const list = await readJson(await call('GET', '/api/key-sets', 'viewer'));
      assert.deepEqual(
        list.keySets.map((set: { name: string; keys: number; seed: string | null }) => [
          set.name,
          set.keys,
          set.seed,
        ]),
        [
          ['sites', 2, 'seeds/sites.json'],
          ['beacons', 0, null],
        ],
      );
      const one = await readJson(await call('GET', '/api/key-sets/sites', 'viewer'));
      assert.deepEqual(one.keys[0].attributes, { romma_id: '74010', lat: '45.9' });
      assert.ok(one.keys[0].updatedAt);
    });

    it('upserts keys and removes one', async () => {
      const post = await call('POST', '/api/key-sets/sites/keys', 'admin', {
        keys: [{ key: 'chambery', attributes: { romma_id: '73066' } }, { key: 'grenoble' }],
      });
      assert.equal(post.status, 200);
      assert.deepEqual(await readJson(post), {
        keySet: 'sites',
        inserted: 1,
        updated: 1,
        unchanged: 0,
        removed: 0,
      });
      assert.equal((await call('DELETE', '/api/key-sets/sites/keys/grenoble', 'viewer')).status, 403);
      const removed = await call('DELETE', '/api/key-sets/sites/keys/grenoble', 'admin');
      assert.deepEqual(await readJson(removed), { keySet: 'sites', removed: 'grenoble' });
      const gone = await call('DELETE', '/api/key-sets/sites/keys/grenoble', 'admin');
      assert.equal(gone.status, 404);
      assert.match((await readJson(gone)).detail, /key set "sites" has no key "grenoble"/);
      const keys = (await readJson(await call('GET', '/api/key-sets/sites', 'viewer'))).keys;
      assert.deepEqual(
        keys.map((entry: { key: string }) => entry.key),
        ['annecy', 'chambery'],
      );
    });

    it('answers 400 naming the entry and field of a bad key, and changes nothing', async () => {
      const bad = await call('PUT', '/api/key-sets/sites', 'admin', {
        keys: [{ key: 'annecy' }, { key: 'saint etienne' }, { key: 'lyon', attributes: { 'bad-name': 'x' } }],
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      const problem = await readJson(bad);
      assert.equal(problem.code, 'invalid_parameter');
      assert.match(problem.detail, /body\.keys\[1\], field "key": must be a non-empty string without spaces/);
      assert.match(problem.detail, /body\.keys\[2\], field "attributes\.bad-name": attribute names/);
      const nested = await call('POST', '/api/key-sets/sites/keys', 'admin', {
        keys: [{ key: 'lyon', attributes: { coords: { lat: 1 } } }],
      });
      assert.equal(nested.status, 400);
      assert.match((await readJson(nested)).detail, /body\.keys\.0\.attributes\.coords/);
      assert.equal((await call('PUT', '/api/key-sets/sites', 'admin', {})).status, 400);
      const keys = (await readJson(await call('GET', '/api/key-sets/sites', 'viewer'))).keys;
      assert.equal(keys.length, 2);
    });

    it('answers 404 naming the declared sets for an undeclared one', async () => {
      for (const [method, path, body] of [
        ['GET', '/api/key-sets/ghost', undefined],
        ['PUT', '/api/key-sets/ghost', { keys: [] }],
        ['POST', '/api/key-sets/ghost/keys', { keys: [] }],
        ['DELETE', '/api/key-sets/ghost/keys/a', undefined],
      ] as const) {
        const response = await call(method, path, 'admin', body);
        assert.equal(response.status, 404, `${method} ${path}`);
        assert.match(
          (await readJson(response)).detail,
          /key set "ghost" is not declared in the config \(declared: sites, beacons\)/,
        );
      }
      const openapi = await readJson(await call('GET', '/api/openapi.json', 'viewer'));
      assert.ok(openapi.paths['/api/key-sets/{name}/keys/{key}']);
    });
  });
}

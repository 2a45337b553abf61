// Hostile input: partition keys and parameters that would become URL path steps (`..`, `../admin`,
// `a/b`). Keys are refused at entry (CLI `sluice keys add`, the API, static keys in the config) with
// the rule they break; a parameter is percent-encoded as one path segment (`/` → `%2F`), and one
// made only of dots, which URL parsers resolve even when encoded, fails the run before any request.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { ConfigError } from '../../src/domain/errors.ts';
import { isKeyValue, parsePartitions } from '../../src/domain/partition-definition.ts';
import { parseTemplate, renderTemplate } from '../../src/domain/template.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { runCliInProcess } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { readJson } from '../support/http.ts';
import { withInitProject } from '../support/project.ts';

const config = (upstream: string) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), at: z.coerce.date() }),
  key: ['station'],
  time: 'at',
});
const source = http({ url: '${upstream}/sites/{{site}}/data', format: 'json', retry: false });
export default defineConfig({
  datasets: [readings],
  keySets: { sites: {} },
  pipelines: [
    pipeline('slash_param', { source, into: readings, params: { site: '../admin' }, transform: () => null }),
    pipeline('dots_param', { source, into: readings, params: { site: '..' }, transform: () => null }),
    pipeline('by_site', { source, into: readings, partitions: { keys: { name: 'site', keySet: 'sites' } } }),
  ],
});
`;

describe('partition keys that would be path steps (domain)', () => {
  it('refuses keys of dots, with a slash or backslash, or a control character; accepts ordinary ones', () => {
    for (const bad of ['.', '..', '...', '../admin', 'a/b', 'a\\b', 'a\u0000b', 'a\tb', '']) {
      assert.equal(isKeyValue(bad), false, JSON.stringify(bad));
    }
    for (const good of ['annecy', 'saint-étienne', '74010', 'a.b', '.hidden', 'x..y', '%2e%2e']) {
      assert.equal(isKeyValue(good), true, good);
    }
  });

  it('a static key ".." in the config is a ConfigError naming the key and the rule', () => {
    assert.throws(
      () => parsePartitions('obs', { keys: { name: 'site', values: ['annecy', '..'] } }),
      (error: unknown) =>
        error instanceof ConfigError && /key "\.\." must be .*'\/'.*not only dots/.test(error.message),
    );
  });

  it('a URL template encodes a parameter as one segment and refuses one of dots only', () => {
    const url = parseTemplate('http://h/sites/{{site}}/data');
    assert.equal(
      renderTemplate(url, { site: '../admin' }, encodeURIComponent),
      'http://h/sites/..%2Fadmin/data',
    );
    assert.throws(() => renderTemplate(url, { site: '..' }, encodeURIComponent), /\{\{site\}\} is "\.\."/);
    // Without an encoder (query values, headers, bodies) the value is used as it is.
    assert.equal(renderTemplate(parseTemplate('{{site}}'), { site: '..' }), '..');
  });
});

for (const backend of await testBackends()) {
  describe(`partition keys that would be path steps on ${backend.kind}`, { skip: backend.skip }, () => {
    const paths: string[] = [];
    let upstream: Server;
    let dir: string;
    let env: Record<string, string | undefined> = {};
    let sluice: Sluice | undefined;
    let cleanup: () => Promise<void> = async () => {};
    let apiClose: () => Promise<void> = async () => {};

    before(async () => {
      upstream = createServer((request, response) => {
        paths.push(request.url ?? '');
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('[]');
      });
      upstream.listen(0, '127.0.0.1');
      await once(upstream, 'listening');
      const { port } = upstream.address() as AddressInfo;
      const project = await withInitProject();
      dir = project.dir;
      await writeFile(join(dir, 'sluice.config.ts'), config(`http://127.0.0.1:${port}`));
      let closeDb = async () => {};
      if (backend.kind === 'postgres') {
        const database = await backend.open({ migrated: true });
        env = { DATABASE_URL: database.url };
        await database.db.close();
        closeDb = database.close;
      }
      cleanup = async () => {
        await closeDb().catch(() => {});
        await project.remove();
      };
    });
    after(async () => {
      await apiClose();
      await sluice?.close();
      upstream?.close();
      await cleanup();
    });

    // First, while no other process holds the PGlite data directory.
    it('`sluice keys sites add ../x` exits 2 naming the key field and the rule', async () => {
      const result = await runCliInProcess(['keys', 'sites', 'add', '../x'], { cwd: dir, env });
      assert.equal(result.code, 2, result.stderr);
      assert.match(
        result.stderr,
        /field "key": must be a non-empty string without spaces.*'\/'.*not only dots/,
      );
      const listed = await runCliInProcess(['keys', 'sites', '--json'], { cwd: dir, env });
      assert.deepEqual(JSON.parse(listed.stdout).keys, []);
    });

    const open = async (): Promise<Sluice> => {
      sluice ??= await openSluice({
        cwd: dir,
        databaseUrl: env.DATABASE_URL,
        dataDir: join(dir, '.sluice'),
        logger: createLogger({ level: 'silent' }),
      });
      return sluice;
    };

    it('the API answers 400 for keys "../admin" and "..", and stores nothing', async () => {
      const app = await open();
      const token = (await createToken(app.db, 't_admin', 'admin')).token;
      const server = await buildApiServer(app);
      const base = await server.app.listen({ port: 0, host: '127.0.0.1' });
      apiClose = () => server.app.close();
      const response = await fetch(`${base}/api/key-sets/sites/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ keys: [{ key: '../admin' }, { key: '..' }] }),
      });
      assert.equal(response.status, 400);
      const problem = await readJson(response);
      assert.match(problem.detail, /body\.keys\[0\], field "key": must be .*, got "\.\.\/admin"/);
      assert.match(problem.detail, /body\.keys\[1\], field "key": must be .*, got "\.\."/);
      const listed = await readJson(
        await fetch(`${base}/api/key-sets/sites`, { headers: { authorization: `Bearer ${token}` } }),
      );
      assert.deepEqual(listed.keys, []);
    });

    it('a parameter "../admin" reaches the upstream as one encoded segment, never as /admin', async () => {
      paths.length = 0;
      const report = await (await open()).run('slash_param');
      assert.equal(report.status, 'succeeded', JSON.stringify(report.errors));
      assert.deepEqual(paths, ['/sites/..%2Fadmin/data']);
    });

    it('a parameter ".." fails the run with the parameter named, and nothing is requested', async () => {
      paths.length = 0;
      const report = await (await open()).run('dots_param');
      assert.equal(report.status, 'failed');
      assert.match(report.errors[0]?.message ?? '', /template parameter \{\{site\}\} is "\.\."/);
      assert.deepEqual(paths, []);
    });
  });
}

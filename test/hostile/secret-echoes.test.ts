// Hostile upstreams that echo the API key back in an error body, encoded every way an encoder may
// write it (JSON `\/` and `\u00xx`, base64, base64url, Basic auth, HTML entities, URL and form
// encoding), and one whose body cuts the key at the 1 KiB read limit. None of those forms may appear
// in the run's errors and report, `sluice runs`, `sluice sources`, the stored tables or the API.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { literalForms } from '../../src/adapters/log/secret-forms.ts';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { openSluice } from '../../src/main.ts';
import { type CliResult, runCli } from '../support/cli.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { withInitProject } from '../support/project.ts';

const SECRET = 'Zq9/Ab+Cd&Ef=Gh42';
const hex = (char: string) => char.charCodeAt(0).toString(16).padStart(2, '0');
const special = (map: (char: string) => string) => SECRET.replace(/[^A-Za-z0-9]/g, map);
const NAMED: Record<string, string> = { '/': '&sol;', '+': '&plus;', '&': '&amp;', '=': '&equals;' };

/** Each upstream route and the form of the key it echoes. */
const ECHOES: Record<string, string> = {
  'json-slash': JSON.stringify(SECRET).slice(1, -1).replaceAll('/', '\\/'),
  'json-unicode': special((char) => `\\u00${hex(char)}`),
  'json-unicode-upper': special((char) => `\\u00${hex(char).toUpperCase()}`),
  base64: Buffer.from(SECRET).toString('base64'),
  base64url: Buffer.from(SECRET).toString('base64url'),
  'basic-auth': Buffer.from(`user:${SECRET}`).toString('base64'),
  'html-hex': special((char) => `&#x${hex(char).toUpperCase()};`),
  'html-dec': special((char) => `&#${char.charCodeAt(0)};`),
  'html-named': special((char) => NAMED[char] ?? char),
  form: new URLSearchParams({ k: SECRET }).toString().slice(2),
  uri: encodeURIComponent(SECRET),
  'uri-lower': encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (percent) => percent.toLowerCase()),
  plain: SECRET,
};
const FORMS = [...new Set([...Object.values(ECHOES), ...literalForms(SECRET), SECRET.slice(0, 6)])];

const config = (url: string) => {
  const providers = Object.keys(ECHOES)
    .map(
      (name) =>
        `http({ url: '${url}/echo/${name}', name: '${name}', headers: { 'x-api-key': key }, retry: false })`,
    )
    .join(',\n      ');
  return `import { dataset, defineConfig, fallback, http, pipeline, secret, z } from 'sluice';
const rates = dataset('fx_rates', {
  schema: z.object({ base: z.string(), day: z.iso.date(), rate: z.number() }),
  key: ['base', 'day'],
  time: 'day',
});
const key = secret('ECHO_KEY');
export default defineConfig({
  datasets: [rates],
  pipelines: [
    pipeline('echoes', { source: fallback(
      ${providers}
    ), into: rates }),
    pipeline('cut', { source: http({ url: '${url}/cut', name: 'cut', query: { apikey: key }, retry: false }), into: rates }),
  ],
});
`;
};

describe('secrets echoed by upstreams in other encodings', () => {
  let server: FixtureServer;
  let project: { dir: string; remove(): Promise<void> };
  const outputs: Array<{ where: string; text: string }> = [];
  const keep = (where: string, text: string) => outputs.push({ where, text });
  const cli = async (args: string[]): Promise<CliResult> => {
    const result = await runCli(args, { cwd: project.dir, env: { ECHO_KEY: SECRET, LOG_LEVEL: 'debug' } });
    keep(`sluice ${args.join(' ')} (stdout)`, result.stdout);
    keep(`sluice ${args.join(' ')} (stderr)`, result.stderr);
    return result;
  };

  before(async () => {
    const routes: Record<string, (request: unknown, response: ServerResponse) => void> = {};
    for (const [name, echoed] of Object.entries(ECHOES)) {
      routes[`/echo/${name}`] = (_request, response) => {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end(`{"error":"invalid key ${echoed}"}`);
      };
    }
    // The key straddles the 1 KiB read limit: 1018 bytes, then the key's first 6 characters, and
    // the rest later; the whitespace collapses, so the cut tail lands in the shown 200 characters.
    routes['/cut'] = (_request, response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      const head = `error ${' '.repeat(1008)}key `;
      response.write(`${head}${SECRET.slice(0, 1024 - head.length)}`);
      setTimeout(() => response.end(`${SECRET.slice(1024 - head.length)} and more`), 100);
    };
    server = await startFixtureServer(routes);
    project = await withInitProject();
    await writeFile(join(project.dir, 'sluice.config.ts'), config(server.url));
  });
  after(async () => {
    await server.close();
    await project.remove();
  });

  it('an error body echoing the key in each encoding: the run fails with every echo redacted', async () => {
    const run = await cli(['run', 'echoes', '--json']);
    assert.notEqual(run.code, 0);
    const report = JSON.parse(run.stdout);
    assert.equal(report.providers.length, Object.keys(ECHOES).length);
    for (const provider of report.providers) {
      assert.match(
        provider.message,
        // Basic auth keeps the edge characters that mix in bits of `user:` and the padding.
        /answered HTTP 401: \{"error":"invalid key [\w+/=]*\[redacted\][\w+/=]*"\}/,
        provider.provider,
      );
    }
    const cut = await cli(['run', 'cut', '--json']);
    assert.notEqual(cut.code, 0);
    const cutErrors = (JSON.parse(cut.stdout).errors as Array<{ message: string }>).map((e) => e.message);
    assert.match(
      cutErrors.join('\n'),
      /answered HTTP 500: error key$/m,
      'the start of the key at the cut is dropped',
    );
    const runs = JSON.parse((await cli(['runs', '--json'])).stdout).runs as Array<{ id: string }>;
    for (const { id } of runs) await cli(['runs', id]);
    await cli(['sources']);
    await cli(['sources', '--json']);
  });

  it('the API and the stored tables show none of the forms either', async () => {
    const sluice = await openSluice({ cwd: project.dir, logger: createLogger({ level: 'silent' }) });
    try {
      const api = await buildApiServer(sluice);
      const base = await api.app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const token = (await createToken(sluice.db, 'ops', 'admin')).token;
        const get = async (path: string) => {
          const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
          const text = await response.text();
          keep(`GET ${path}`, text);
          return text;
        };
        const sources = JSON.parse(await get('/api/sources')).sources as Array<{ name: string }>;
        assert.ok(sources.some((source) => source.name === 'base64'));
        for (const run of JSON.parse(await get('/api/runs')).runs) await get(`/api/runs/${run.id}`);
        for (const table of ['events', 'runs', 'source_stats', 'source_breakers']) {
          const { rows } = await sluice.db.query(`SELECT * FROM sluice.${table}`);
          keep(`sluice.${table}`, JSON.stringify(rows));
        }
      } finally {
        await api.app.close();
      }
    } finally {
      await sluice.close();
    }
  });

  it('no output holds the key in any form, nor the start of the key cut at 1 KiB', () => {
    assert.ok(outputs.some((output) => output.text.includes('[redacted]')));
    const leaks = outputs.flatMap(({ where, text }) =>
      FORMS.filter((form) => text.includes(form)).map((form) => `${where} shows ${form}`),
    );
    assert.deepEqual(leaks, []);
  });
});

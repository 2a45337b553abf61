// An upstream's long error body: cut to one short line in the CLI's summaries and tables, whole
// in --json.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliSession } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { withInitProject } from '../support/project.ts';

const LONG_BODY =
  `<html>\n<head><title>500 Internal Server Error</title></head>\n<body>\n${'<p>stack frame in the upstream, quoted back to us</p>\n'.repeat(35)}</body></html>`.padEnd(
    2000,
    ' x',
  );

const config = (url: string) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const rates = dataset('fx_rates', {
  schema: z.object({ base: z.string(), quote: z.string(), day: z.iso.date(), rate: z.number() }),
  key: ['base', 'quote', 'day'],
  time: 'day',
});
export default defineConfig({
  datasets: [rates],
  pipelines: [pipeline('fx_latest', {
    source: http({ url: '${url}/latest', name: 'wordy', retry: false, breaker: false }),
    into: rates,
  })],
});
`;

for (const backend of await testBackends()) {
  describe(`an upstream's long error body, on ${backend.kind}`, { skip: backend.skip }, () => {
    const session = cliSession();
    let server: FixtureServer;
    let project: { dir: string; remove(): Promise<void> };
    const env: Record<string, string | undefined> = {};
    let closeDb: () => Promise<void> = async () => {};
    before(async () => {
      server = await startFixtureServer({
        '/latest': (_request, response) => {
          response.writeHead(500, { 'content-type': 'text/html' });
          response.end(LONG_BODY);
        },
      });
      project = await withInitProject();
      await writeFile(join(project.dir, 'sluice.config.ts'), config(server.url));
      if (backend.kind === 'postgres') {
        const opened = await backend.open({ migrated: true });
        env.DATABASE_URL = opened.url;
        await opened.db.close();
        closeDb = opened.close;
      }
    });
    after(async () => {
      await session.close();
      await server.close();
      await project.remove();
      await closeDb().catch(() => {});
    });

    it('is one line of at most 120 characters ending with … in the run summary and `sluice sources`; whole in --json', async () => {
      assert.equal(LONG_BODY.length, 2000);
      const cli = (args: string[]) => session.run(args, { cwd: project.dir, env });

      const text = await cli(['run', 'fx_latest']);
      assert.equal(text.code, 1, text.stderr);
      const errorLine = text.stdout.split('\n').find((line) => line.startsWith('  error ['));
      assert.ok(errorLine, text.stdout);
      const shown = errorLine.replace(/^ {2}error \[[a-z_]+\]: /, '');
      assert.match(
        shown,
        /^http:\/\/127\.0\.0\.1:\d+\/latest answered HTTP 500: <html> <head><title>500 Internal Server Error/,
      );
      assert.ok(shown.length <= 120, `${shown.length} characters: ${shown}`);
      assert.ok(shown.endsWith('…'), shown);

      const json = await cli(['run', 'fx_latest', '--json']);
      assert.equal(json.code, 1, json.stderr);
      const message: string = JSON.parse(json.stdout).errors[0].message;
      assert.ok(message.length > 200, message);
      assert.ok(message.startsWith(shown.slice(0, -1)), message);
      assert.match(message, /stack frame in the upstream, quoted back to us<\/p> <p>stack frame/);

      const sources = await cli(['sources']);
      assert.equal(sources.code, 0, sources.stderr);
      const row = sources.stdout.split('\n').find((line) => line.startsWith('wordy'));
      assert.ok(row, sources.stdout);
      const lastFailure = /\d{4}-\d\d-\d\dT[\d:.]+Z (.*?…)/.exec(row)?.[1];
      assert.ok(lastFailure, row);
      assert.ok(lastFailure.length <= 120, `${lastFailure.length} characters: ${lastFailure}`);
      const listed = JSON.parse((await cli(['sources', '--json'])).stdout).sources[0];
      assert.ok(listed.lastFailure.message.length > 200, listed.lastFailure.message);
    });
  });
}

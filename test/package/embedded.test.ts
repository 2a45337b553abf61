// examples/embedded as a user runs it: a host fastify server embedding sluice under /sluice, on
// PGlite and on PostgreSQL. Its own route answers, sluice's API answers with a token, a triggered
// run goes through the workers the server started, and SIGTERM ends the process by itself (an
// open handle left by the scheduler, the queue or the database would keep it alive).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { createSluice } from '../../src/index.ts';
import { runCliInProcess } from '../support/cli.ts';
import { createPostgresDatabase, testBackends } from '../support/databases.ts';
import { seedPgliteDataDir } from '../support/pglite-template.ts';

const EXAMPLE = fileURLToPath(new URL('../../examples/embedded/', import.meta.url));
const CONFIG = join(EXAMPLE, 'sluice.config.ts');

interface Host {
  child: ChildProcess;
  url: string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  stderr(): string;
}

/** Starts the example's server.ts and waits for the line it prints once it listens. */
async function startExample(env: Record<string, string | undefined>): Promise<Host> {
  const child = spawn(process.execPath, ['--conditions=sluice-source', join(EXAMPLE, 'server.ts')], {
    cwd: EXAMPLE,
    env: { ...process.env, DATABASE_URL: undefined, LOG_LEVEL: 'warn', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const listening = new Promise<string>((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
  });
  const url = await Promise.race([listening, exited.then(() => undefined)]);
  if (url === undefined) throw new Error(`the example exited before listening:\n${stdout}\n${stderr}`);
  return { child, url, exited, stderr: () => stderr };
}

async function json(response: Response): Promise<unknown> {
  const text = await response.text();
  assert.ok(response.ok, `${response.status} ${response.url}: ${text}`);
  return JSON.parse(text);
}

for (const backend of await testBackends()) {
  describe(`examples/embedded on ${backend.kind}`, { skip: backend.skip, timeout: 120_000 }, () => {
    let env: Record<string, string | undefined>;
    let cleanup: () => Promise<void>;

    before(async () => {
      // Never run at the top of an hour: the declared hourly schedule must not race the trigger below.
      const schedule = { SLUICE_SCHEDULE_READINGS_CSV: '0 0 1 1 *' };
      if (backend.kind === 'pglite') {
        const dataDir = await mkdtemp(join(tmpdir(), 'sluice-embedded-'));
        await seedPgliteDataDir(dataDir);
        env = { SLUICE_DATA_DIR: dataDir, DATABASE_URL: undefined, ...schedule };
        cleanup = () => rm(dataDir, { recursive: true, force: true });
      } else {
        const created = await createPostgresDatabase({ migrated: true });
        env = { DATABASE_URL: created.url, ...schedule };
        cleanup = created.drop;
      }
    });

    after(async () => cleanup?.());

    it('serves its own route and sluice under /sluice, runs a pipeline on its workers, and exits on SIGTERM', async () => {
      // Before the server holds the embedded database: the CLI creates the token as documented.
      const created = await runCliInProcess(
        ['tokens', 'create', '--name', 'host-test', '--role', 'analyst', '--json', '--config', CONFIG],
        { cwd: EXAMPLE, env },
      );
      assert.equal(created.code, 0, created.stderr);
      const { token } = JSON.parse(created.stdout) as { token: string };
      const auth = { authorization: `Bearer ${token}` };

      const host = await startExample(env);
      try {
        assert.deepEqual(await json(await fetch(`${host.url}/collection`)), {
          pipelines: [{ name: 'readings_csv', lastStatus: 'never_run', lastFinishedAt: null }],
        });
        // The host's own 404 outside the prefix, sluice's problem+json 401 inside it.
        assert.equal((await fetch(`${host.url}/nowhere`)).status, 404);
        const refused = await fetch(`${host.url}/sluice/api/runs`);
        assert.equal(refused.status, 401);
        assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
        assert.deepEqual(await json(await fetch(`${host.url}/sluice/healthz`)), { status: 'ok' });

        const scheduler = (await json(
          await fetch(`${host.url}/sluice/api/scheduler/status`, { headers: auth }),
        )) as { enabled: boolean; jobs: Array<{ pipeline: string }> };
        assert.equal(scheduler.enabled, true);
        assert.deepEqual(
          scheduler.jobs.map((job) => job.pipeline),
          ['readings_csv'],
        );

        const triggered = (await json(
          await fetch(`${host.url}/sluice/api/pipelines/readings_csv/runs?wait=true`, {
            method: 'POST',
            headers: auth,
          }),
        )) as { status: string; run: { trigger: string; inserted: number } };
        assert.equal(triggered.status, 'succeeded');
        assert.equal(triggered.run.trigger, 'api:host-test');
        assert.equal(triggered.run.inserted, 4);

        const collection = (await json(await fetch(`${host.url}/collection`))) as {
          pipelines: Array<{ lastStatus: string }>;
        };
        assert.equal(collection.pipelines[0]?.lastStatus, 'succeeded');
        const runs = (await json(await fetch(`${host.url}/sluice/api/runs`, { headers: auth }))) as {
          runs: Array<{ status: string }>;
        };
        assert.deepEqual(
          runs.runs.map((run) => run.status),
          ['succeeded'],
        );
      } finally {
        if (host.child.exitCode === null) host.child.kill('SIGTERM');
      }
      const [code, signal] = await host.exited;
      assert.deepEqual([code, signal], [0, null], host.stderr());
      assert.doesNotMatch(host.stderr(), /"level":(50|60)/, 'an error was logged');
    });

    it('createSluice in process: run, trigger before start, the plugin under a prefix, close with the host', async () => {
      const sluice = await createSluice({
        config: CONFIG,
        env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      });
      let logged = '';
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          logged += chunk.toString();
          done();
        },
      });
      const host = Fastify({ logger: { level: 'info', stream } });
      host.get('/own', async () => 'own');
      try {
        const report = await sluice.run('readings_csv');
        assert.equal(report.status, 'succeeded');
        // Not started: the run is launched in this process, and wait() sees it end.
        assert.equal(sluice.started, false);
        const runId = await sluice.trigger('readings_csv', { trigger: 'test' });
        assert.equal((await sluice.wait(runId, 30_000)).status, 'succeeded');

        const { token } = await sluice.createToken('in-process', 'viewer');
        await host.register(sluice.plugin, { prefix: '/embedded', start: { scheduler: false } });
        await host.ready();
        assert.equal(sluice.started, true);
        const status = await host.inject({
          url: '/embedded/api/scheduler/status',
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(status.statusCode, 200, status.body);
        assert.equal(status.json().enabled, false);
        const runs = await host.inject({
          url: '/embedded/api/runs',
          headers: { authorization: `Bearer ${token}` },
        });
        // Newest first, after the example's run of the test before.
        assert.deepEqual(
          runs.json().runs.map((run: { trigger: string }) => run.trigger),
          ['test', 'manual', 'api:host-test'],
        );
        // The host's log: sluice's serializer masks tickets on its routes and leaves the host's alone.
        await host.inject({ url: '/embedded/api/events?ticket=SECRET1' });
        await host.inject({ url: '/own?ticket=SECRET2' });
        assert.doesNotMatch(logged, /SECRET1/);
        assert.match(logged, /\/embedded\/api\/events\?ticket=\[redacted\]/);
        assert.match(logged, /\/own\?ticket=SECRET2/);
      } finally {
        await host.close();
      }
      assert.equal(sluice.started, false);
      // Closed with the host: a second close is a no-op, a start afterwards is refused.
      await sluice.close();
      await assert.rejects(sluice.start(), { code: 'usage_error' });
    });
  });
}

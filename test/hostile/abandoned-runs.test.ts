// Hostile: a direct `sluice run` SIGKILLed mid-run (OOM killer, kill -9). Expected: its run does
// not stay `running` for ever; it is failed as `abandoned` (no heartbeat since <t> from <host:pid>)
// by the next command that opens sluice or by a live server's sweeper, or cancelled by hand
// (`sluice runs cancel`, POST /api/runs/:id/cancel), and its pipeline can run again.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { openSluice } from '../../src/main.ts';
import { runCliInProcess, SLUICE_BIN } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { eventually } from '../support/eventually.ts';
import { startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';
import { fxLatestConfig } from '../support/hanging-upstream.ts';
import { readJson } from '../support/http.ts';
import { startSluice } from '../support/processes.ts';
import { withInitProject } from '../support/project.ts';

/** A project whose upstream never answers its first request (the run hangs there) and answers the rest. */
async function slowProject(databaseUrl: string | undefined) {
  const body = upstreamFixture('frankfurter_latest_base-EUR.json');
  const hanging: ServerResponse[] = [];
  let requests = 0;
  let arrived: () => void = () => {};
  const firstArrived = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const server = await startFixtureServer({
    '/v1/latest': (_request, response) => {
      requests++;
      if (requests === 1) {
        hanging.push(response);
        arrived();
      } else response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    },
  });
  const project = await withInitProject();
  await writeFile(join(project.dir, 'sluice.config.ts'), fxLatestConfig(server.url));
  const env = (extra: Record<string, string> = {}) => ({
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    SLUICE_SCHEDULER_ENABLED: 'false',
    ...extra,
  });
  return {
    dir: project.dir,
    env,
    firstArrived,
    /** Starts `sluice run fx_latest` and SIGKILLs it once its request hangs at the upstream. */
    async killRunMidFetch(extra: Record<string, string> = {}): Promise<void> {
      const child: ChildProcess = spawn(process.execPath, [SLUICE_BIN, 'run', 'fx_latest'], {
        cwd: project.dir,
        env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'warn', ...env(extra) },
        stdio: 'ignore',
      });
      const exited = once(child, 'exit');
      await firstArrived;
      child.kill('SIGKILL');
      await exited;
    },
    releaseHanging() {
      for (const response of hanging) response.destroy();
    },
    async close() {
      for (const response of hanging) response.destroy();
      await server.close();
      await project.remove();
    },
  };
}

type RunJson = {
  id: string;
  status: string;
  inserted: number;
  errors: Array<{ code: string; message: string }>;
};

async function runsOf(dir: string, env: Record<string, string>): Promise<RunJson[]> {
  const listed = await runCliInProcess(['runs', '--json'], { cwd: dir, env });
  assert.equal(listed.code, 0, listed.stderr);
  return (JSON.parse(listed.stdout) as { runs: RunJson[] }).runs;
}

const fast = { SLUICE_RUN_HEARTBEAT_MS: '100', SLUICE_RUN_STALE_MS: '400' };

for (const backend of await testBackends()) {
  describe(`abandoned direct runs on ${backend.kind}`, { skip: backend.skip }, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });
    const databaseUrl = async () => {
      if (backend.kind === 'pglite') return undefined;
      const database = await backend.open();
      cleanups.push(() => database.close());
      return database.url;
    };

    it('SIGKILLed `sluice run` → the next `sluice run` fails it as abandoned (no heartbeat since … from host:pid) and runs', async () => {
      const project = await slowProject(await databaseUrl());
      cleanups.push(() => project.close());
      await project.killRunMidFetch(fast);
      // The dead run's last heartbeat must be older than the stale interval (400 ms).
      await sleep(500);
      const rerun = await runCliInProcess(['run', 'fx_latest', '--json'], {
        cwd: project.dir,
        env: project.env(fast),
      });
      assert.equal(rerun.code, 0, rerun.stderr);
      const runs = await runsOf(project.dir, project.env(fast));
      assert.equal(runs.length, 2, JSON.stringify(runs));
      const [second, first] = runs;
      assert.equal(second?.status, 'succeeded');
      assert.equal(first?.status, 'failed');
      assert.equal(first?.errors.at(-1)?.code, 'abandoned');
      assert.match(
        first?.errors.at(-1)?.message ?? '',
        /^no heartbeat since \d{4}-\d\d-\d\dT\S+ from \S+:\d+/,
      );
    });

    it('SIGKILLed `sluice run` → `sluice runs cancel <8-char prefix>` cancels it at once; a second cancel is refused', async () => {
      const project = await slowProject(await databaseUrl());
      cleanups.push(() => project.close());
      // Default intervals: nothing would abandon it within this test.
      await project.killRunMidFetch();
      const [stuck] = await runsOf(project.dir, project.env());
      assert.equal(stuck?.status, 'running');
      const prefix = stuck!.id.slice(0, 8);
      const cancelled = await runCliInProcess(['runs', 'cancel', prefix], {
        cwd: project.dir,
        env: project.env(),
      });
      assert.equal(cancelled.code, 0, cancelled.stderr);
      assert.match(cancelled.stdout, /cancelled; it was running/);
      const again = await runCliInProcess(['runs', 'cancel', prefix], {
        cwd: project.dir,
        env: project.env(),
      });
      assert.equal(again.code, 1);
      assert.match(again.stderr, /already cancelled/);
      const rerun = await runCliInProcess(['run', 'fx_latest'], { cwd: project.dir, env: project.env() });
      assert.equal(rerun.code, 0, rerun.stderr);
      const [, first] = await runsOf(project.dir, project.env());
      assert.equal(first?.status, 'cancelled');
      assert.match(first?.errors.at(-1)?.message ?? '', /^cancelled by cli/);
    });

    it('a live `sluice worker` sweeps a SIGKILLed direct run: the trigger that got 409 is accepted', {
      skip:
        backend.kind === 'pglite'
          ? 'PGlite: a worker holds the data directory, no direct run can run beside it'
          : false,
    }, async () => {
      const project = await slowProject(await databaseUrl());
      cleanups.push(() => project.close());
      await project.killRunMidFetch(fast);
      const server = await startSluice(['worker'], { cwd: project.dir, env: project.env(fast) });
      cleanups.push(async () => {
        await server.stop('SIGKILL');
      });
      // The open at startup may already have swept it; otherwise the sweeper loop does within ~1 s.
      const runs = await eventually('the sweeper to end the killed run', async () => {
        const listed = await runsOf(project.dir, project.env(fast));
        return listed[0]?.status !== 'running' && listed;
      });
      assert.equal(runs[0]?.status, 'failed', JSON.stringify(runs));
      assert.equal(runs[0]?.errors.at(-1)?.code, 'abandoned');
      const triggered = await runCliInProcess(['trigger', 'fx_latest', '--json'], {
        cwd: project.dir,
        env: project.env(fast),
      });
      assert.equal(triggered.code, 0, triggered.stderr);
    });

    it('a run cancelled while its process is alive stays cancelled when that process ends it', async () => {
      const project = await slowProject(await databaseUrl());
      cleanups.push(() => project.close());
      const url = project.env().DATABASE_URL;
      const sluice = await openSluice({
        cwd: project.dir,
        ...(url ? { databaseUrl: url } : {}),
        logger: createLogger({ level: 'silent' }),
      });
      cleanups.push(() => sluice.close());
      const { runId, done } = sluice.launch('fx_latest');
      await project.firstArrived;
      await sluice.app.runs.cancel(runId, 'cli:ops');
      // The hanging request is cut: the run ends (failed) in its own process, after the cancel.
      project.releaseHanging();
      await done;
      const run = (
        await sluice.db.query<{ status: string; errors: Array<{ message: string }> }>(
          `SELECT status, errors FROM sluice.runs WHERE id = $1`,
          [runId],
        )
      ).rows[0];
      assert.equal(run?.status, 'cancelled');
      assert.equal(run?.errors.at(-1)?.message, 'cancelled by cli:ops');
    });

    it('a queued run cancelled by hand → the worker that takes its job does not run it', {
      skip: backend.kind === 'pglite' ? 'the queue test runs on PostgreSQL' : false,
    }, async () => {
      const project = await slowProject(await databaseUrl());
      cleanups.push(() => project.close());
      const queued = await runCliInProcess(['trigger', 'fx_latest', '--json'], {
        cwd: project.dir,
        env: project.env(),
      });
      assert.equal(queued.code, 0, queued.stderr);
      const { runId } = JSON.parse(queued.stdout) as { runId: string };
      const cancelled = await runCliInProcess(['runs', 'cancel', runId], {
        cwd: project.dir,
        env: project.env(),
      });
      assert.equal(cancelled.code, 0, cancelled.stderr);
      const worker = await startSluice(['worker'], { cwd: project.dir, env: project.env() });
      cleanups.push(async () => {
        await worker.stop('SIGKILL');
      });
      const client = new pg.Client({ connectionString: project.env().DATABASE_URL });
      await client.connect();
      cleanups.push(() => client.end());
      // pg-boss publishes nothing this process could await: its job table is the only witness.
      await eventually(
        'the worker to complete the cancelled run’s job',
        async () =>
          (await client.query<{ state: string }>('SELECT state FROM pgboss.job WHERE id = $1', [runId]))
            .rows[0]?.state === 'completed',
        { timeoutMs: 15_000, intervalMs: 100 },
      );
      const runs = (await client.query<{ status: string }>('SELECT status FROM sluice.runs')).rows;
      assert.deepEqual(runs, [{ status: 'cancelled' }]);
    });

    it('POST /api/runs/:id/cancel (admin) cancels another process’s running run; a second time is 409', async () => {
      const project = await slowProject(await databaseUrl());
      cleanups.push(() => project.close());
      await project.killRunMidFetch();
      const url = project.env().DATABASE_URL;
      const sluice = await openSluice({
        cwd: project.dir,
        ...(url ? { databaseUrl: url } : {}),
        logger: createLogger({ level: 'silent' }),
      });
      const { app } = await buildApiServer(sluice);
      const base = await app.listen({ port: 0, host: '127.0.0.1' });
      cleanups.push(async () => {
        await app.close();
        await sluice.close();
      });
      const admin = (await createToken(sluice.db, 'ops', 'admin')).token;
      const [stuck] = (
        await sluice.db.query<{ id: string }>(`SELECT id FROM sluice.runs WHERE status = 'running'`)
      ).rows;
      assert.ok(stuck, 'the killed run is still running');
      const cancel = () =>
        fetch(`${base}/api/runs/${stuck.id.slice(0, 8)}/cancel`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}` },
        });
      const first = await cancel();
      assert.equal(first.status, 200);
      assert.equal((await readJson(first)).cancelled.id, stuck.id);
      const second = await cancel();
      assert.equal(second.status, 409);
      assert.match((await readJson(second)).detail ?? JSON.stringify(second), /already cancelled/);
      const run = (
        await sluice.db.query<{ status: string; errors: Array<{ message: string }> }>(
          `SELECT status, errors FROM sluice.runs WHERE id = $1`,
          [stuck.id],
        )
      ).rows[0];
      assert.equal(run?.status, 'cancelled');
      assert.equal(run?.errors.at(-1)?.message, 'cancelled by api:ops');
      const report = await sluice.run('fx_latest');
      assert.equal(report.status, 'succeeded');
    });
  });
}

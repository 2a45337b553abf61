// `sluice serve` as a real process: tokens from the CLI, the API over HTTP, a clean SIGTERM stop. The
// CLI commands around it run in this process: to the server holding the data directory they are
// another process all the same.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { runCliInProcess, SLUICE_BIN } from '../support/cli.ts';
import { readJson } from '../support/http.ts';
import { withInitProject } from '../support/project.ts';

describe('sluice serve', () => {
  it('serves the API with CLI-made tokens, never logs them, and stops cleanly on SIGTERM', async () => {
    const project = await withInitProject();
    let running: ChildProcess | undefined;
    try {
      const created = await runCliInProcess(
        ['tokens', 'create', '--name', 'ops', '--role', 'analyst', '--json'],
        {
          cwd: project.dir,
        },
      );
      assert.equal(created.code, 0, created.stderr);
      const { token } = JSON.parse(created.stdout);
      assert.match(token, /^sluice_[\w-]{43}$/);
      const listed = await runCliInProcess(['tokens', '--json'], { cwd: project.dir });
      assert.equal(JSON.parse(listed.stdout).tokens[0].name, 'ops');
      assert.doesNotMatch(listed.stdout, new RegExp(token));

      const child = spawn(process.execPath, [SLUICE_BIN, 'serve', '--port', '0', '--json'], {
        cwd: project.dir,
        env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', DATABASE_URL: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running = child;
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const { listening, dashboard } = JSON.parse(line.toString());
      assert.equal((await fetch(`${listening}/healthz`)).status, 200);
      // The printed one-time link signs in once, as the local admin token.
      const signInCode = new URL(dashboard).searchParams.get('code') as string;
      assert.equal(new URL(dashboard).origin, listening);
      const signIn = () =>
        fetch(`${listening}/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: signInCode }),
        });
      const session = await signIn();
      assert.equal(session.status, 201);
      assert.equal((await readJson(session)).principal.role, 'admin');
      assert.equal((await signIn()).status, 401, 'the code works once');
      assert.equal((await fetch(`${listening}/api/pipelines`)).status, 401);
      const auth = { authorization: `Bearer ${token}` };
      const pipelines = await fetch(`${listening}/api/pipelines`, { headers: auth });
      assert.equal(pipelines.status, 200);
      const run = await fetch(`${listening}/api/pipelines/readings_csv/runs?wait=true`, {
        method: 'POST',
        headers: auth,
      });
      const finished = await readJson(run);
      assert.equal(finished.status, 'succeeded');
      // An idle worker is woken by LISTEN/NOTIFY, not by a polling interval.
      const pickupMs = Date.parse(finished.run.startedAt) - Date.parse(finished.run.queuedAt);
      assert.ok(pickupMs < 1000, `picked up ${pickupMs} ms after it was queued`);

      // The embedded database belongs to the server now: a command needing it says so instead of
      // corrupting it (read-only ones go through the server: test/cli/beside-serve.test.ts).
      const busy = await runCliInProcess(['migrate'], { cwd: project.dir });
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /sluice serve \(pid \d+, http:\/\/[^)]+\) holds the embedded database/);

      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number];
      assert.equal(code, 0, stderr);
      assert.match(stderr, /shutting down/);
      assert.doesNotMatch(stderr, new RegExp(token), 'the token never appears in logs');
      assert.ok(!stderr.includes(signInCode), 'the sign-in code is printed, never logged');
      const after = await runCliInProcess(['runs', '--json'], { cwd: project.dir });
      assert.equal(after.code, 0, 'the lock was released on exit');
      assert.equal(JSON.parse(after.stdout).runs[0].status, 'succeeded');
    } finally {
      // A failed assertion must not leave the server running: the test process would never end.
      if (running && running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
      await project.remove();
    }
  });
});

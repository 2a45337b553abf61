// CLI commands while `sluice serve` holds the embedded database: runs, status and stats go through
// the address and credential it published in the data directory (0600, gone when it stops) and
// print what they print on the database itself; migrate says it needs the database to itself.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CliResult, runCli } from '../support/cli.ts';
import { type SluiceProcess, startSluice } from '../support/processes.ts';
import { withInitProject } from '../support/project.ts';

function ok(result: CliResult, what: string): string {
  assert.equal(result.code, 0, `${what} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe('CLI beside a sluice serve on PGlite', { timeout: 180_000 }, () => {
  let project: { dir: string; remove(): Promise<void> };
  let serve: SluiceProcess;
  let servedFile: string;
  let runId: string;
  /** What each read-only command printed through the server, compared after it stopped. */
  const throughServer = new Map<string, string>();
  const commands = [
    ['runs'],
    ['runs', '--json'],
    ['runs', '--pipeline', 'readings_csv', '--limit', '5', '--json'],
    ['status'],
    ['status', '--json'],
    ['stats', '--json'],
    ['stats', '--days', '30'],
  ];

  before(async () => {
    project = await withInitProject();
    servedFile = join(project.dir, '.sluice', 'sluice.serve.json');
    serve = await startSluice(['serve', '--port', '0'], {
      cwd: project.dir,
      env: { DATABASE_URL: undefined },
    });
  });

  after(async () => {
    await serve?.stop();
    await project?.remove();
  });

  it('publishes its address and a credential, readable by its user only, that the API takes', async () => {
    const mode = (await stat(servedFile)).mode & 0o777;
    assert.equal(mode.toString(8), '600');
    const served = JSON.parse(await readFile(servedFile, 'utf8')) as {
      pid: number;
      address: string;
      token: string;
    };
    assert.equal(served.pid, serve.child.pid);
    assert.equal(served.address, serve.ready.listening);
    const triggered = await fetch(`${served.address}/api/pipelines/readings_csv/runs?wait=true`, {
      method: 'POST',
      headers: { authorization: `Bearer ${served.token}` },
    });
    const body = (await triggered.json()) as { status: string; runId: string };
    assert.equal(body.status, 'succeeded', JSON.stringify(body));
    runId = body.runId;
    const wrong = await fetch(`${served.address}/api/runs`, {
      headers: { authorization: `Bearer ${served.token.slice(0, -2)}xx` },
    });
    assert.equal(wrong.status, 401);
  });

  it('runs, status and stats answer through it; runs <id> takes a short id', async () => {
    for (const args of commands)
      throughServer.set(args.join(' '), ok(await runCli(args, { cwd: project.dir }), args.join(' ')));
    const runs = JSON.parse(throughServer.get('runs --json') ?? '') as {
      runs: Array<{ id: string; status: string }>;
    };
    assert.deepEqual(
      runs.runs.map((run) => [run.id, run.status]),
      [[runId, 'succeeded']],
    );
    assert.match(
      throughServer.get('runs') ?? '',
      new RegExp(`readings_csv .* succeeded .* ${runId.slice(0, 8)}`),
    );
    const status = JSON.parse(throughServer.get('status --json') ?? '') as {
      database: { kind: string };
      pipelines: Array<{ lastRun: { id: string } | null }>;
    };
    assert.equal(status.database.kind, 'pglite');
    assert.equal(status.pipelines[0]?.lastRun?.id, runId);

    const detail = ok(await runCli(['runs', runId.slice(0, 8)], { cwd: project.dir }), 'runs <id>');
    assert.match(detail, new RegExp(runId));
    throughServer.set('runs <id>', detail);
    const unknown = await runCli(['runs', '--pipeline', 'nope'], { cwd: project.dir });
    assert.equal(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /pipeline "nope" is not defined/);
  });

  it('migrate says it needs the database to itself, naming the server', async () => {
    const migrate = await runCli(['migrate'], { cwd: project.dir });
    assert.notEqual(migrate.code, 0);
    assert.match(
      migrate.stderr,
      new RegExp(`sluice serve \\(pid ${serve.child.pid}, http://127\\.0\\.0\\.1:\\d+\\) holds`),
    );
    assert.match(migrate.stderr, /needs it to itself: stop that server first/);
  });

  it('once it stopped: the file is gone, and the same commands on the database print the same', async () => {
    assert.equal(await serve.stop(), 0, serve.output());
    await assert.rejects(stat(servedFile), { code: 'ENOENT' });
    for (const args of commands) {
      const name = args.join(' ');
      assert.equal(ok(await runCli(args, { cwd: project.dir }), name), throughServer.get(name), name);
    }
    const detail = ok(await runCli(['runs', runId.slice(0, 8)], { cwd: project.dir }), 'runs <id>');
    assert.equal(detail, throughServer.get('runs <id>'));
  });
});

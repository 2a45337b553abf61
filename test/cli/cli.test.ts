// The CLI on temporary projects: init, run, dry run, reports, history, exit codes, errors. On PGlite
// a first run and a usage error go through the real binary (exit codes, stdout and stderr apart);
// the rest through main() in this process, on a project opened once for the suite.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CliResult, cliSession, runCli, runCliInProcess } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { seedPgliteDataDir } from '../support/pglite-template.ts';

const backends = await testBackends();

for (const backend of backends) {
  describe(`sluice CLI on ${backend.kind}`, { skip: backend.skip }, () => {
    let dir: string;
    let env: Record<string, string | undefined>;
    let closeDb: () => Promise<void> = async () => {};
    const session = cliSession();
    const cli = (...args: string[]) => session.run(args, { cwd: dir, env });
    // The real binary once per kind of check is enough: on PostgreSQL the same commands run in process.
    const bin = (...args: string[]): Promise<CliResult> =>
      backend.kind === 'pglite' ? session.spawn(args, { cwd: dir, env }) : cli(...args);

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
      env = {};
      if (backend.kind === 'pglite') await seedPgliteDataDir(join(dir, '.sluice'));
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

    it('init scaffolds a project that runs, and refuses to overwrite it', async () => {
      const init = await cli('init');
      assert.equal(init.code, 0, init.stderr);
      assert.match(init.stdout, /created .*sluice\.config\.ts/);
      const again = await cli('init');
      assert.equal(again.code, 2);
      assert.match(again.stderr, /already exists; pass --force/);
    });

    it('run --json prints the counts the database reported; a second run inserts nothing', async () => {
      const first = await bin('run', 'readings_csv', '--json');
      assert.equal(first.code, 0, first.stderr);
      const report = JSON.parse(first.stdout);
      assert.equal(report.status, 'succeeded');
      assert.deepEqual(report.counts, {
        fetched: 4,
        produced: 4,
        valid: 4,
        rejected: 0,
        inserted: 4,
        updated: 0,
        unchanged: 0,
      });
      const second = JSON.parse((await cli('run', 'readings_csv', '--json')).stdout);
      assert.deepEqual(second.counts, {
        fetched: 4,
        produced: 4,
        valid: 4,
        rejected: 0,
        inserted: 0,
        updated: 0,
        unchanged: 4,
      });
      const human = await cli('run', 'readings_csv');
      assert.match(human.stdout, /nothing new/);
    });

    it('a bad record makes the run partial (exit 3), quarantined, with a JSON report', async () => {
      await writeFile(
        join(dir, 'data', 'more.csv'),
        'station,observed_at,temperature_c\n07015,2024-10-06T00:00:00Z,12.5\n07015,2024-10-06T01:00:00Z,warm\n',
      );
      const run = await cli('run', 'readings_csv', '--report', 'report.json');
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stdout, /partial/);
      const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'));
      assert.equal(report.counts.rejected, 1);
      assert.equal(report.counts.inserted, 1);
      assert.equal(report.quality.errorRate, 1 / 6);
      assert.equal(report.quality.samples[0].origin.file, 'data/more.csv');
      assert.equal(report.quality.samples[0].origin.line, 3);
      assert.deepEqual(report.quality.issues, [{ code: 'invalid_type', path: 'temperature_c', count: 1 }]);
    });

    it('--dry-run reports what would be written and writes nothing', async () => {
      await writeFile(
        join(dir, 'data', 'new.csv'),
        'station,observed_at,temperature_c\nNEW,2024-10-07T00:00:00Z,1\n',
      );
      const dry = await cli('run', 'readings_csv', '--dry-run', '--json');
      const report = JSON.parse(dry.stdout);
      assert.equal(report.dryRun, true);
      assert.equal(report.counts.inserted, 1);
      const runs = JSON.parse((await cli('runs', '--json', '--limit', '100')).stdout);
      assert.equal(
        runs.runs.some((run: { id: string }) => run.id === report.runId),
        false,
      );
      const real = JSON.parse((await cli('run', 'readings_csv', '--json')).stdout);
      assert.equal(real.counts.inserted, 1, 'the dry run left nothing behind');
    });

    it('runs, stats and status read the persisted history', async () => {
      const runs = JSON.parse((await cli('runs', '--json', '--status', 'partial')).stdout);
      // The bad row of more.csv is rejected again by the run after the dry run.
      assert.equal(runs.runs.length, 2);
      assert.equal(runs.runs[0].pipeline, 'readings_csv');
      const stats = JSON.parse((await cli('stats', '--json', '--days', '30')).stdout);
      assert.equal(stats.datasets[0].dataset, 'readings');
      assert.equal(stats.datasets[0].rows, 6);
      // The same bad row, rejected by two runs, is one quarantined record seen twice.
      assert.equal(stats.datasets[0].quarantined, 1);
      assert.equal(stats.runs.allTime.partial, 2);
      const status = await cli('status');
      assert.equal(status.code, 0, status.stderr);
      assert.match(
        status.stdout,
        backend.kind === 'pglite' ? /embedded PostgreSQL \(PGlite\)/ : /PostgreSQL at postgres:/,
      );
    });

    it('usage and config errors exit 2 with a message naming the problem', async () => {
      const unknown = await cli('run', 'nope');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /pipeline "nope" is not defined .*defined: readings_csv/);
      const badLimit = await bin('runs', '--limit', 'ten');
      assert.equal(badLimit.code, 2);
      assert.match(badLimit.stderr, /--limit must be a whole number/);
      const noConfig = await cli('status', '--config', 'missing.config.ts', '--json');
      assert.equal(noConfig.code, 2);
      assert.equal(JSON.parse(noConfig.stdout).error.code, 'config_error');
      await writeFile(
        join(dir, 'broken.config.ts'),
        `import { defineConfig, pipeline, files } from 'sluice';
         export default defineConfig({ pipelines: [pipeline('p', { source: files({ dir: '.' }), into: 'ghost' })] });`,
      );
      const broken = await cli('run', 'p', '--config', 'broken.config.ts');
      assert.equal(broken.code, 2);
      assert.match(broken.stderr, /pipeline "p": into references dataset "ghost", which is not defined/);
    });

    it('a config with a syntax error exits 2 naming file, line and column, with the line and a caret', async () => {
      await writeFile(
        join(dir, 'typo.config.ts'),
        "import { defineConfig } from 'sluice';\nexport default defineConfig({\n  pipelines: [\n    foo(1,\n    }),\n  ],\n});\n",
      );
      const typo = await cli('status', '--config', 'typo.config.ts', '--json');
      assert.equal(typo.code, 2, typo.stderr);
      assert.equal(JSON.parse(typo.stdout).error.code, 'config_error');
      assert.match(typo.stderr, /typo\.config\.ts:5:5: SyntaxError: .+\n {2}5 \| {5}\}\),\n {4}\| {5}\^\n/);
    });
  });
}

describe('embedded data directory', () => {
  it('refuses a second process with a clear error instead of corrupting it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-lock-'));
    try {
      await seedPgliteDataDir(join(dir, '.sluice'));
      assert.equal((await runCliInProcess(['init'], { cwd: dir })).code, 0);
      const { openPglite } = await import('../../src/adapters/postgres/pglite-database.ts');
      const held = await openPglite(join(dir, '.sluice'));
      try {
        const second = await runCli(['status'], { cwd: dir });
        assert.equal(second.code, 1);
        assert.match(second.stderr, /in use by process \d+ .*PGlite allows one process per data directory/);
      } finally {
        await held.close();
      }
      assert.equal((await runCliInProcess(['status'], { cwd: dir })).code, 0, 'released on close');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

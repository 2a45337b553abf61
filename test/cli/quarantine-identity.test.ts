// Quarantine identity and raw items: the same bad records seen again count occurrences instead of
// adding rows, and replay re-runs today's transform on the raw CSV cells, never writing NULL.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliSession } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { withInitProject } from '../support/project.ts';

const config = (fixed: boolean) => `import { dataset, defineConfig, files, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), temperature_c: z.number() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
});
export default defineConfig({
  datasets: [readings],
  pipelines: [
    pipeline('readings_csv', {
      source: files({ dir: 'data', glob: '*.csv' }),
      into: readings,
      transform: (row) => ({
        ...row,
        temperature_c: Number(${fixed ? "String(row.temperature_c).replace(/^abc$/, '21')" : 'row.temperature_c'}),
      }),
    }),
  ],
});
`;

interface Listed {
  stage: string;
  occurrences: number;
  raw: unknown;
  record: unknown;
  replayedAt: string | null;
}

for (const backend of await testBackends()) {
  describe(`quarantine identity on ${backend.kind}`, { skip: backend.skip }, () => {
    const session = cliSession();
    let dir: string;
    let cleanup: () => Promise<void>;
    const env: Record<string, string | undefined> = {};
    const cli = async (args: string[]) => session.run(args, { cwd: dir, env });
    const pending = async (): Promise<Listed[]> =>
      JSON.parse((await cli(['quarantine', '--pending', '--json', '--config', 'broken.config.ts'])).stdout)
        .records;

    before(async () => {
      const project = await withInitProject();
      dir = project.dir;
      await writeFile(join(dir, 'broken.config.ts'), config(false));
      await writeFile(join(dir, 'fixed.config.ts'), config(true));
      await writeFile(
        join(dir, 'data', 'readings.csv'),
        'station,observed_at,temperature_c\nA,2024-07-01T12:00:00Z,38.5\nA,2024-07-01T13:00:00Z,abc\nA,2024-07-01T14:00:00Z,,\n',
      );
      let closeDb = async () => {};
      if (backend.kind === 'postgres') {
        const database = await backend.open({ migrated: true });
        env.DATABASE_URL = database.url;
        await database.db.close();
        closeDb = database.close;
      }
      cleanup = async () => {
        await closeDb().catch(() => {});
        await project.remove();
      };
    });
    after(async () => {
      await session.close();
      await cleanup();
    });

    it('counts repeats as occurrences and replays the raw cells through today’s transform', async () => {
      const runs: string[] = [];
      for (let i = 0; i < 3; i++) {
        const result = await cli(['run', 'readings_csv', '--config', 'broken.config.ts', '--json']);
        assert.equal(result.code, 3, result.stderr);
        runs.push(JSON.parse(result.stdout).runId);
      }
      let records = await pending();
      assert.equal(records.length, 2, 'two distinct records, not six rows');
      assert.deepEqual(
        records.map((r) => r.occurrences),
        [3, 3],
      );
      const bad = records.find((r) => r.stage === 'validate');
      assert.ok(bad);
      assert.equal(
        (bad.raw as Record<string, unknown>).temperature_c,
        'abc',
        'raw is the CSV cell as received',
      );
      const stats = async () =>
        JSON.parse((await cli(['stats', '--json', '--config', 'broken.config.ts'])).stdout).datasets[0];
      assert.equal((await stats()).quarantined, 2);

      const unfixed = await cli([
        'quarantine',
        'replay',
        runs[0] ?? '',
        '--config',
        'broken.config.ts',
        '--json',
      ]);
      const result = JSON.parse(unfixed.stdout);
      assert.equal(result.report.counts.rejected, 1, 'fails again for the same reason');
      assert.equal(result.report.counts.inserted, 0, 'nothing written as NULL');
      assert.equal(result.replayed, 0);
      assert.equal((await stats()).rows, 1);
      records = await pending();
      assert.equal(records.length, 2, 'still pending, no new row');
      assert.equal(records.find((r) => r.stage === 'validate')?.occurrences, 4);

      const fixed = await cli([
        'quarantine',
        'replay',
        runs[0] ?? '',
        '--config',
        'fixed.config.ts',
        '--json',
      ]);
      assert.equal(fixed.code, 0, fixed.stderr);
      const done = JSON.parse(fixed.stdout);
      assert.deepEqual([done.replayed, done.notReplayable, done.report.counts.inserted], [1, 1, 1]);
      assert.equal((await stats()).rows, 2);
      assert.deepEqual(
        (await pending()).map((r) => r.stage),
        ['read'],
      );
    });
  });
}

// Quarantine replay end to end: a rule too strict quarantines a record; after the rule is fixed,
// `sluice quarantine replay` writes it, once, and the API shows it replayed.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliSession } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { withInitProject } from '../support/project.ts';

const config = (max: number) => `import { dataset, defineConfig, files, pipeline, rule, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), temperature_c: z.coerce.number() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
  rules: [rule.range('temperature_c', { max: ${max} })],
});
export default defineConfig({
  datasets: [readings],
  pipelines: [pipeline('readings_csv', { source: files({ dir: 'data', glob: '*.csv' }), into: readings })],
});
`;

for (const backend of await testBackends()) {
  describe(`quarantine replay on ${backend.kind}`, { skip: backend.skip }, () => {
    const session = cliSession();
    let dir: string;
    let cleanup: () => Promise<void>;
    const env: Record<string, string | undefined> = {};

    before(async () => {
      const project = await withInitProject();
      dir = project.dir;
      await writeFile(join(dir, 'strict.config.ts'), config(40));
      await writeFile(join(dir, 'fixed.config.ts'), config(50));
      await writeFile(
        join(dir, 'data', 'readings.csv'),
        'station,observed_at,temperature_c\nA,2024-07-01T12:00:00Z,38.5\nA,2024-07-01T13:00:00Z,45.2\nA,2024-07-01T14:00:00Z,,\n',
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

    it('writes records that pass after the fix, once; reader rejects stay', async () => {
      const first = await session.run(['run', 'readings_csv', '--config', 'strict.config.ts', '--json'], {
        cwd: dir,
        env,
      });
      assert.equal(first.code, 3, first.stderr);
      const run = JSON.parse(first.stdout);
      assert.deepEqual([run.counts.inserted, run.counts.rejected], [1, 2]);
      const listed = JSON.parse(
        (
          await session.run(['quarantine', '--run', run.runId, '--json', '--config', 'strict.config.ts'], {
            cwd: dir,
            env,
          })
        ).stdout,
      );
      assert.deepEqual(listed.records.map((r: { stage: string }) => r.stage).sort(), ['read', 'rule']);

      const replay = await session.run(
        ['quarantine', 'replay', run.runId, '--config', 'fixed.config.ts', '--json'],
        { cwd: dir, env },
      );
      assert.equal(replay.code, 0, replay.stderr);
      const result = JSON.parse(replay.stdout);
      assert.equal(result.replayed, 1);
      assert.equal(result.notReplayable, 1, 'the ragged CSV row cannot be replayed');
      assert.equal(result.report.counts.inserted, 1);
      assert.equal(result.report.status, 'succeeded');

      const again = JSON.parse(
        (
          await session.run(['quarantine', 'replay', run.runId, '--config', 'fixed.config.ts', '--json'], {
            cwd: dir,
            env,
          })
        ).stdout,
      );
      assert.equal(again.report, undefined, 'a replayed record is not replayed twice');
      const stats = JSON.parse(
        (await session.run(['stats', '--json', '--config', 'fixed.config.ts'], { cwd: dir, env })).stdout,
      );
      assert.equal(stats.datasets[0].rows, 2);
      const pending = JSON.parse(
        (
          await session.run(['quarantine', '--pending', '--json', '--config', 'fixed.config.ts'], {
            cwd: dir,
            env,
          })
        ).stdout,
      );
      assert.deepEqual(
        pending.records.map((r: { stage: string }) => r.stage),
        ['read'],
      );
    });
  });
}

// `sluice schedule` shows next run times in each schedule's zone with its offset (docs/schedules.md),
// while --json keeps the UTC instants the API sends.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliSession } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { withInitProject } from '../support/project.ts';

const CONFIG = `import { dataset, defineConfig, files, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), temperature_c: z.coerce.number() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
});
const source = files({ dir: 'data', glob: '*.csv' });
export default defineConfig({
  datasets: [readings],
  pipelines: [
    pipeline('paris', { source, into: readings, schedule: { cron: '30 7 * * *', timezone: 'Europe/Paris' } }),
    pipeline('utc', { source, into: readings, schedule: { cron: '0 6 * * *' } }),
  ],
});
`;

for (const backend of await testBackends()) {
  describe(`sluice schedule on ${backend.kind}`, { skip: backend.skip }, () => {
    const session = cliSession();
    let dir: string;
    let cleanup: () => Promise<void>;
    const env: Record<string, string | undefined> = {};
    const cli = (...args: string[]) => session.run(args, { cwd: dir, env });

    before(async () => {
      const project = await withInitProject({ pglite: backend.kind === 'pglite' });
      dir = project.dir;
      await writeFile(join(dir, 'sluice.config.ts'), CONFIG);
      let closeDb = async () => {};
      if (backend.kind === 'postgres') {
        const database = await backend.open({ migrated: true });
        env.DATABASE_URL = database.url;
        await database.db.close();
        closeDb = database.close;
      }
      cleanup = async () => {
        await closeDb();
        await project.remove();
      };
    });
    after(async () => {
      await session.close();
      await cleanup();
    });

    it('prints next runs in the schedule zone with its offset; --json keeps UTC instants', async () => {
      const shown = await cli('schedule', '--next', '2');
      assert.equal(shown.code, 0, shown.stderr);
      const paris = shown.stdout.split('\n').find((line) => line.startsWith('paris'));
      const utc = shown.stdout.split('\n').find((line) => line.startsWith('utc'));
      // 07:30 in Paris is +01:00 in winter and +02:00 in summer: either way, not UTC.
      assert.match(paris ?? '', /\d{4}-\d\d-\d\dT07:30:00\+0[12]:00, \d{4}-\d\d-\d\dT07:30:00\+0[12]:00/);
      assert.match(utc ?? '', /\d{4}-\d\d-\d\dT06:00:00\+00:00/);
      const listed = JSON.parse((await cli('schedule', '--json')).stdout) as {
        jobs: Array<{ pipeline: string; nextRuns: string[] }>;
      };
      const next = listed.jobs.find((job) => job.pipeline === 'paris')?.nextRuns[0] ?? '';
      assert.match(next, /T0[56]:30:00\.000Z$/);
    });
  });
}

// `sluice runs <id>` shows one run in full, and every command that takes a run id accepts the
// 8-character prefix the tables print.
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
export default defineConfig({
  datasets: [readings],
  pipelines: [pipeline('readings_csv', { source: files({ dir: 'data', glob: '*.csv' }), into: readings })],
});
`;

for (const backend of await testBackends()) {
  describe(`run ids in the CLI on ${backend.kind}`, { skip: backend.skip }, () => {
    const session = cliSession();
    let dir: string;
    let cleanup: () => Promise<void>;
    let runId: string;
    const env: Record<string, string | undefined> = {};
    const cli = (...args: string[]) => session.run(args, { cwd: dir, env });

    before(async () => {
      const project = await withInitProject();
      dir = project.dir;
      await writeFile(join(dir, 'sluice.config.ts'), CONFIG);
      await writeFile(
        join(dir, 'data', 'readings.csv'),
        'station,observed_at,temperature_c\nA,2024-07-01T12:00:00Z,38.5\nA,2024-07-01T13:00:00Z,warm\n',
      );
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
      const run = await cli('run', 'readings_csv', '--json');
      assert.equal(run.code, 3, run.stderr);
      runId = JSON.parse(run.stdout).runId;
    });
    after(async () => {
      await session.close();
      await cleanup();
    });

    it('lists runs with their partition and the 8-character id the other commands take', async () => {
      const listed = await cli('runs');
      assert.equal(listed.code, 0, listed.stderr);
      const [header, row] = listed.stdout.split('\n');
      assert.match(header ?? '', /^started\s+pipeline\s+partition\s+status\s.*\srun$/);
      assert.match(row ?? '', new RegExp(`\\sreadings_csv\\s+-\\s+partial\\s.*\\s${runId.slice(0, 8)}$`));
      assert.ok(!row?.includes(runId), 'the whole id is for --json');
    });

    it('shows one run in full by its 8-character prefix', async () => {
      const shown = await cli('runs', runId.slice(0, 8));
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, new RegExp(`^run ${runId}: readings_csv → readings\\n`));
      assert.match(shown.stdout, /status partial, trigger manual, attempt 1/);
      assert.match(shown.stdout, /fetched 2, produced 2, valid 1, rejected 1 \(error rate 50\.0%\)/);
      assert.match(shown.stdout, /inserted 1, updated 0, unchanged 0, duplicate keys 0/);
      assert.match(shown.stdout, /rejected ×1: invalid_type at temperature_c/);
      assert.match(shown.stdout, new RegExp(`sluice quarantine --run ${runId.slice(0, 8)}`));
      const json = await cli('runs', runId.slice(0, 8), '--json');
      assert.equal(JSON.parse(json.stdout).run.id, runId);
    });

    it('takes the prefix in quarantine --run and quarantine replay', async () => {
      const listed = await cli('quarantine', '--run', runId.slice(0, 8), '--json');
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal(JSON.parse(listed.stdout).records.length, 1);
      const replayed = await cli('quarantine', 'replay', runId.slice(0, 8), '--json');
      const body = JSON.parse(replayed.stdout);
      assert.equal(body.originalRunId, runId);
      assert.equal(body.report.counts.rejected, 1, 'the same transform rejects it again');
    });

    it('refuses a prefix under 8 characters and names an unknown run, exiting 2', async () => {
      const short = await cli('runs', runId.slice(0, 7));
      assert.equal(short.code, 2);
      assert.match(short.stderr, /at least 8/);
      const unknown = await cli('runs', runId.startsWith('f') ? '00000000' : 'ffffffff');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /not found/);
    });
  });
}

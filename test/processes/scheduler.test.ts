// Three worker processes against one PostgreSQL fire an every-minute schedule (clock sped up 60×):
// every tick is stored once, fires exactly one run, and every run completes.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createPostgresDatabase, testBackends } from '../support/databases.ts';
import { startSluice } from '../support/processes.ts';
import { withInitProject } from '../support/project.ts';

const postgres = (await testBackends()).find((backend) => backend.kind === 'postgres')!;

const CONFIG = `import { dataset, defineConfig, files, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), temperature_c: z.coerce.number().nullable() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
});
export default defineConfig({
  datasets: [readings],
  pipelines: [pipeline('every_minute', {
    source: files({ dir: 'data', glob: '*.csv' }),
    into: readings,
    schedule: { cron: '* * * * *', misfire: 'all' },
  })],
});
`;

describe('scheduler across processes', { skip: postgres.skip }, () => {
  it('fires each tick exactly once with three workers', async () => {
    const project = await withInitProject();
    const database = await createPostgresDatabase();
    await writeFile(join(project.dir, 'sluice.config.ts'), CONFIG);
    const env = {
      DATABASE_URL: database.url,
      SLUICE_TEST_CLOCK: JSON.stringify({
        virtualStart: '2026-01-05T00:00:30Z',
        realStart: Date.now(),
        speed: 60,
      }),
      SLUICE_SCHEDULER_INTERVAL_MS: '200',
      SLUICE_SHUTDOWN_GRACE_S: '5',
    };
    const workers = [];
    try {
      // Migrations first, so three processes do not all race to create pg-boss's schema.
      for (let i = 0; i < 3; i++) workers.push(await startSluice(['worker'], { cwd: project.dir, env }));
      await sleep(6500);
      const codes = await Promise.all(workers.map((worker) => worker.stop()));
      assert.deepEqual(codes, [0, 0, 0], workers.map((w) => w.output()).join('\n'));

      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const ticks = (
        await client.query<{ scheduled_at: Date; outcome: string; run_id: string | null }>(
          'SELECT scheduled_at, outcome, run_id FROM sluice.ticks ORDER BY scheduled_at',
        )
      ).rows;
      const runs = (
        await client.query<{ id: string; status: string; trigger: string; worker: string }>(
          `SELECT id, status, trigger, worker FROM sluice.runs ORDER BY queued_at`,
        )
      ).rows;
      await client.end();

      assert.ok(ticks.length >= 4, `expected at least 4 ticks in ~6 virtual minutes, got ${ticks.length}`);
      const minutes = ticks.map((tick) => tick.scheduled_at.toISOString());
      assert.equal(new Set(minutes).size, minutes.length, 'no tick stored twice');
      // The first tick is the first whole minute after the first process started evaluating.
      const first = Date.parse(minutes[0] as string);
      for (const [index, at] of minutes.entries()) {
        assert.equal(at, new Date(first + index * 60_000).toISOString(), 'consecutive minutes, none skipped');
      }
      assert.ok(ticks.every((tick) => tick.outcome === 'fired' && tick.run_id));
      // One run per tick, each for its own scheduled minute, each finished by exactly one worker.
      assert.equal(runs.length, ticks.length);
      assert.deepEqual(
        runs.map((run) => run.trigger),
        minutes.map((at) => `schedule:${at}`),
      );
      // A tick fired while the workers were stopping may still be queued (no worker took it);
      // every other run finished, and succeeded.
      const finished = runs.filter((run) => run.status !== 'queued');
      assert.ok(
        runs.slice(0, finished.length).every((run) => run.status === 'succeeded'),
        JSON.stringify(runs),
      );
      assert.ok(runs.length - finished.length <= 1, JSON.stringify(runs));
    } finally {
      await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
      await database.drop();
      await project.remove();
    }
  });
});

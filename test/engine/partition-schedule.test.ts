// Scheduled partitioned pipelines on real databases and the real queue: a tick queues one run per
// partition it targets, one active run per partition, and workers run each with its partition.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { type RunQueue, startRunQueue } from '../../src/adapters/queue/run-queue.ts';
import { startWorkers } from '../../src/adapters/queue/run-worker.ts';
import { startScheduler } from '../../src/adapters/queue/scheduler.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import { withInitProject } from '../support/project.ts';

const CONFIG = `import { dataset, defineConfig, files, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), temperature_c: z.coerce.number().nullable() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
});
const sites = { name: 'site', values: ['annecy', 'chambery'] };
export default defineConfig({
  datasets: [readings],
  pipelines: [
    pipeline('daily_sites', {
      source: files({ dir: 'data' }), into: readings,
      schedule: { cron: '0 2 * * *', timezone: 'Europe/Paris' },
      partitions: { time: { every: 'daily', start: '2026-01-01', timezone: 'Europe/Paris' }, keys: sites },
    }),
    pipeline('sites_only', {
      source: files({ dir: 'data' }), into: readings,
      schedule: { cron: '0 * * * *' },
      partitions: { keys: sites },
    }),
  ],
});
`;

interface RunRow {
  id: string;
  partition_key: string | null;
  trigger: string;
  status: string;
}

for (const backend of await testBackends()) {
  describe(`partitioned schedules on ${backend.kind}`, { skip: backend.skip }, () => {
    let sluice: Sluice;
    let queue: RunQueue;
    let cleanup: () => Promise<void>;
    let now = new Date('2026-03-03T00:30:00Z');
    const clock = { now: () => now };

    before(async () => {
      const project = await withInitProject();
      await writeFile(join(project.dir, 'sluice.config.ts'), CONFIG);
      const database = await backend.open({ migrated: true });
      if (!database.url) await database.db.close();
      sluice = await openSluice({
        cwd: project.dir,
        databaseUrl: database.url,
        dataDir: join(project.dir, '.sluice'),
        logger: createLogger({ level: 'silent' }),
      });
      queue = await startRunQueue(sluice.db, { databaseUrl: database.url, logger: sluice.logger });
      cleanup = async () => {
        await queue.stop({ graceful: false, timeoutMs: 1000 });
        await sluice.close();
        if (database.url) await database.close();
        await project.remove();
      };
    });
    after(() => cleanup());

    const runsOf = async (pipeline: string) =>
      (
        await sluice.db.query<RunRow>(
          'SELECT id, partition_key, trigger, status FROM sluice.runs WHERE pipeline = $1 ORDER BY partition_key, queued_at',
          [pipeline],
        )
      ).rows;

    it("queues one run per partition of the tick's window, each with its key and the tick's trigger", async () => {
      const scheduler = startScheduler(sluice.app, queue, { clock, intervalMs: 3_600_000 });
      assert.deepEqual(await scheduler.evaluate(), []);
      // 02:00 in Paris on 3 March is 01:00 UTC; the previous Paris day is 2 March.
      now = new Date('2026-03-03T01:00:05Z');
      const ticks = await scheduler.evaluate();
      const daily = ticks.find((tick) => tick.pipeline === 'daily_sites');
      assert.equal(ticks.find((tick) => tick.pipeline === 'sites_only')?.outcome, 'fired');
      assert.equal(daily?.outcome, 'fired');
      assert.deepEqual(
        daily?.runs?.map((run) => run.partitionKey),
        ['2026-03-02|site=annecy', '2026-03-02|site=chambery'],
      );
      const rows = await runsOf('daily_sites');
      assert.deepEqual(
        rows.map((row) => [row.partition_key, row.trigger, row.status]),
        [
          ['2026-03-02|site=annecy', 'schedule:2026-03-03T01:00:00.000Z', 'queued'],
          ['2026-03-02|site=chambery', 'schedule:2026-03-03T01:00:00.000Z', 'queued'],
        ],
      );
      for (const row of rows) assert.ok(await queue.hasJob(row.id));
    });

    it('checks for an active run per partition: a new window fires, the same partitions are skipped', async () => {
      const scheduler = startScheduler(sluice.app, queue, { clock, intervalMs: 3_600_000 });
      // Nothing ran the earlier runs: a key-only pipeline targets the same partitions every tick.
      now = new Date('2026-03-03T02:00:05Z');
      const keysOnly = (await scheduler.evaluate()).filter((tick) => tick.pipeline === 'sites_only');
      assert.deepEqual(
        keysOnly.map((tick) => tick.outcome),
        ['skipped'],
      );
      assert.match(keysOnly[0]?.reason ?? '', /partition site=annecy already has an active run/);
      // The 3 March window is a new partition, so it fires although 2 March has not run yet.
      now = new Date('2026-03-04T01:00:05Z');
      const daily = (await scheduler.evaluate()).filter(
        (tick) => tick.pipeline === 'daily_sites' && tick.outcome === 'fired',
      );
      assert.deepEqual(
        daily.map((tick) => tick.runs?.map((run) => run.partitionKey)),
        [['2026-03-03|site=annecy', '2026-03-03|site=chambery']],
      );
    });

    it('workers run each queued run with its partition', async () => {
      const workers = await startWorkers(sluice.app, queue, { runs: 2, backfill: 0 });
      try {
        for (const row of await runsOf('daily_sites')) {
          const run = await sluice.app.pipelines.wait(row.id, 20_000);
          assert.equal(run.status, 'succeeded', JSON.stringify(run.errors));
          assert.equal(run.partitionKey, row.partition_key);
        }
      } finally {
        await workers.stop(1000);
      }
    });
  });
}

// Schedule evaluation against real databases and the real queue, with a fake clock: ticks stored
// once, misfires recorded with their reason, a tick that finds an active run skipped.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { enqueueRun } from '../../src/adapters/postgres/run-store.ts';
import { type RunQueue, startRunQueue } from '../../src/adapters/queue/run-queue.ts';
import { startRunSweeper } from '../../src/adapters/queue/run-sweeper.ts';
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
export default defineConfig({
  datasets: [readings],
  pipelines: [
    pipeline('forecasts', { source: files({ dir: 'data' }), into: readings, schedule: { cron: '0 0,6,12,18 * * *' } }),
    pipeline('market', {
      source: files({ dir: 'data' }), into: readings,
      schedule: { cron: ['30 7 * * *', '0 14,20 * * *'], timezone: 'Europe/Paris', misfire: 'all' },
    }),
  ],
});
`;

for (const backend of await testBackends()) {
  describe(`scheduler on ${backend.kind}`, { skip: backend.skip }, () => {
    let sluice: Sluice;
    let queue: RunQueue;
    let cleanup: () => Promise<void>;
    let now = new Date('2026-03-02T05:59:00Z');
    const clock = { now: () => now };

    before(async () => {
      const project = await withInitProject();
      await writeFile(join(project.dir, 'sluice.config.ts'), CONFIG);
      const database = await backend.open({ migrated: true });
      if (!database.url) await database.db.close();
      process.env.SLUICE_SCHEDULE_FORECASTS = '0 0,6,12,18 * * *';
      sluice = await openSluice({
        cwd: project.dir,
        databaseUrl: database.url,
        dataDir: join(project.dir, '.sluice'),
        logger: createLogger({ level: 'silent' }),
      });
      delete process.env.SLUICE_SCHEDULE_FORECASTS;
      queue = await startRunQueue(sluice.db, { databaseUrl: database.url, logger: sluice.logger });
      cleanup = async () => {
        await queue.stop({ graceful: false, timeoutMs: 1000 });
        await sluice.close();
        if (database.url) await database.close();
        await project.remove();
      };
    });
    after(() => cleanup());

    const scheduler = () => startScheduler(sluice.app, queue, { clock, intervalMs: 3_600_000 });

    it('lists next run times in UTC for each job, with env overrides marked', async () => {
      const jobs = await sluice.app.schedule.jobs({ now, count: 3 });
      assert.deepEqual(
        jobs.map((job) => [job.pipeline, job.origin, job.nextRuns]),
        [
          [
            'forecasts',
            'env',
            ['2026-03-02T06:00:00.000Z', '2026-03-02T12:00:00.000Z', '2026-03-02T18:00:00.000Z'],
          ],
          [
            'market',
            'definition',
            ['2026-03-02T06:30:00.000Z', '2026-03-02T13:00:00.000Z', '2026-03-02T19:00:00.000Z'],
          ],
        ],
      );
    });

    it('fires a due tick once, and skips the next one while that run is still active', async () => {
      const first = scheduler();
      assert.deepEqual(await first.evaluate(), [], 'the first evaluation only records where it starts');
      now = new Date('2026-03-02T06:00:05Z');
      const fired = await first.evaluate();
      assert.deepEqual(
        fired.map((tick) => [tick.pipeline, tick.scheduledAt.toISOString(), tick.outcome]),
        [['forecasts', '2026-03-02T06:00:00.000Z', 'fired']],
      );
      assert.deepEqual(await scheduler().evaluate(), [], 'a second scheduler finds nothing left to fire');
      // No worker runs here, so the 06:00 run is still queued when 12:00 comes.
      now = new Date('2026-03-02T12:00:10Z');
      const skipped = (await first.evaluate()).filter((tick) => tick.pipeline === 'forecasts');
      assert.equal(skipped.length, 1);
      assert.equal(skipped[0]?.outcome, 'skipped');
      assert.match(skipped[0]?.reason ?? '', /already has an active run/);
      const { rows } = await sluice.db.query<{ outcome: string }>(
        `SELECT outcome FROM sluice.ticks WHERE pipeline = 'forecasts' ORDER BY scheduled_at`,
      );
      assert.deepEqual(
        rows.map((row) => row.outcome),
        ['fired', 'skipped'],
      );
    });

    it('after an outage fires every missed tick within the grace period under `all`, and records older ones', async () => {
      await sluice.db.query(
        `UPDATE sluice.runs SET status = 'cancelled' WHERE status IN ('queued', 'running')`,
      );
      now = new Date('2026-03-02T19:30:00Z');
      const ticks = (await scheduler().evaluate()).filter((tick) => tick.pipeline === 'market');
      assert.deepEqual(
        ticks.map((tick) => [tick.scheduledAt.toISOString(), tick.outcome, tick.reason]),
        // 06:30 was recorded as missed by the 12:00 evaluation already; 13:00 is 6.5 h late.
        [
          ['2026-03-02T13:00:00.000Z', 'missed', 'misfire_grace_exceeded'],
          ['2026-03-02T19:00:00.000Z', 'fired', null],
        ],
      );
    });

    it('re-sends a queued run whose job was never sent, once', async () => {
      const runId = randomUUID();
      await enqueueRun(sluice.db, {
        id: runId,
        pipeline: 'market',
        dataset: 'readings',
        trigger: 'test',
        jobId: runId,
      });
      await sluice.db.query(`UPDATE sluice.runs SET queued_at = now() - interval '5 minutes' WHERE id = $1`, [
        runId,
      ]);
      const sweeper = startRunSweeper(sluice.app, queue, { intervalMs: 3_600_000, graceSeconds: 30 });
      try {
        assert.ok(!(await queue.hasJob(runId)));
        assert.ok((await sweeper.sweep()).includes(runId));
        assert.ok(await queue.hasJob(runId));
        assert.ok(!(await sweeper.sweep()).includes(runId), 'a run with a job is left alone');
      } finally {
        sweeper.stop();
      }
    });
  });
}

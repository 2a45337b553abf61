// GET /api/pipelines as the dashboard's pipelines page reads it: schedule with its next runs and
// last tick, partition choices, recent success rate; and triggering a partition by date, on both backends.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { type ApiProject, openApiProject } from '../support/api-project.ts';
import { testBackends } from '../support/databases.ts';
import { type AnyJson, readJson } from '../support/http.ts';
import { CONFIG, READINGS, READINGS_LATER, REJECTED, SITES } from '../support/pipelines-project.ts';

const paris = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Paris',
  weekday: 'short',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

for (const backend of await testBackends()) {
  describe(`pipelines API on ${backend.kind}`, { skip: backend.skip }, () => {
    let project: ApiProject;
    const tokens: Record<string, string> = {};

    before(async () => {
      project = await openApiProject(backend, CONFIG, {
        'data/readings.csv': READINGS,
        'sites/week.csv': SITES,
      });
      for (const role of ['viewer', 'analyst'] as const) {
        tokens[role] = (await createToken(project.sluice.db, `t_${role}`, role)).token;
      }
    });
    after(() => project?.close());

    const call = (method: string, path: string, role: string) =>
      fetch(`${project.base}${path}`, { method, headers: { authorization: `Bearer ${tokens[role]}` } });
    const pipelines = async (): Promise<Record<string, AnyJson>> => {
      const body = await readJson(await call('GET', '/api/pipelines', 'viewer'));
      return Object.fromEntries(body.pipelines.map((entry: AnyJson) => [entry.name, entry]));
    };

    it('gives each pipeline its schedule with the next 3 runs, partition choices and no rate before a run', async () => {
      const { readings_csv: scheduled, site_weeks: partitioned } = await pipelines();
      assert.deepEqual(scheduled.schedule.cron, ['30 6 * * 1-5']);
      assert.equal(scheduled.schedule.timezone, 'Europe/Paris');
      assert.equal(scheduled.schedule.lastTick, null);
      assert.equal(scheduled.schedule.nextRuns.length, 3);
      const now = Date.now();
      let previous = now;
      for (const at of scheduled.schedule.nextRuns as string[]) {
        // Weekdays at 06:30 in Paris, whatever the offset of the day, each after the previous one.
        const [weekday, time] = paris.format(new Date(at)).split(' ');
        assert.ok(['Mon', 'Tue', 'Wed', 'Thu', 'Fri'].includes(weekday ?? ''), at);
        assert.equal(time, '06:30', at);
        assert.ok(Date.parse(at) > previous, at);
        previous = Date.parse(at);
      }
      assert.equal(scheduled.partitioning, null);
      assert.deepEqual(scheduled.recent, { runs: 0, succeeded: 0, partial: 0, failed: 0, successRate: null });
      assert.equal(partitioned.schedule, null);
      assert.deepEqual(partitioned.partitioning, {
        shape: 'weekly|site=<key>',
        time: { every: 'weekly', timezone: 'UTC' },
        keys: [{ name: 'site', values: ['annecy', 'chambery'] }],
      });
    });

    it('counts the success rate over succeeded, partial and failed runs, and shows the last tick with its reason', async () => {
      const wait = async (pipeline: string, query = '') => {
        const response = await call('POST', `/api/pipelines/${pipeline}/runs?wait=true${query}`, 'analyst');
        assert.equal(response.status, 200);
        return readJson(response);
      };
      assert.equal((await wait('readings_csv')).status, 'succeeded');
      await writeFile(join(project.dir, 'data', 'readings.csv'), READINGS_LATER);
      const second = await wait('readings_csv');
      assert.deepEqual(
        [second.status, second.run.inserted, second.run.updated, second.run.unchanged],
        ['succeeded', 3, 1, 3],
      );
      await writeFile(join(project.dir, 'data', 'rejected.csv'), REJECTED);
      assert.equal((await wait('readings_csv')).status, 'partial');
      // The scheduler found the pipeline busy at a tick: the page shows that tick and why.
      await project.sluice.db.query(
        `INSERT INTO sluice.ticks (pipeline, scheduled_at, evaluated_at, outcome, reason, run_id)
         VALUES ('readings_csv', '2026-03-02T05:30:00Z', '2026-03-02T05:30:01Z', 'skipped', 'pipeline "readings_csv" has an active run', NULL)`,
      );
      const { readings_csv: scheduled } = await pipelines();
      assert.deepEqual(scheduled.recent, {
        runs: 3,
        succeeded: 2,
        partial: 1,
        failed: 0,
        successRate: 2 / 3,
      });
      assert.equal(scheduled.lastRun.status, 'partial');
      assert.deepEqual(scheduled.schedule.lastTick, {
        scheduledAt: '2026-03-02T05:30:00.000Z',
        outcome: 'skipped',
        reason: 'pipeline "readings_csv" has an active run',
        runId: null,
      });

      // A partitioned pipeline is triggered by a local date and its keys, as the page's form sends them.
      const partition = await wait(
        'site_weeks',
        `&date=2025-01-15&partition=${encodeURIComponent('site=annecy')}`,
      );
      assert.deepEqual(
        [partition.status, partition.run.partitionKey, partition.run.inserted],
        ['succeeded', '2025-W03|site=annecy', 2],
      );
      const { site_weeks: partitioned } = await pipelines();
      assert.equal(partitioned.recent.successRate, 1);
      const viewer = await call('POST', '/api/pipelines/readings_csv/runs', 'viewer');
      assert.equal(viewer.status, 403);
    });
  });
}

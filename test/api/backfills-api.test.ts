// Backfills over the REST API with real workers: start one (analyst and up), follow its progress over
// SSE, read the time × key grid, retry one partition, pause/resume/cancel, and the 4xx answers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { startBackfillPump } from '../../src/adapters/queue/backfill-pump.ts';
import { startRunQueue } from '../../src/adapters/queue/run-queue.ts';
import { startWorkers } from '../../src/adapters/queue/run-worker.ts';
import { deterministicRunId } from '../../src/domain/partition-set.ts';
import type { Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { type AnyJson, readJson } from '../support/http.ts';
import { openStream } from '../support/sse.ts';
import { openTestProject } from '../support/test-project.ts';
import { observations, weeklyObsConfig } from '../support/weekly-obs.ts';

for (const backend of await testBackends()) {
  describe(`backfill API on ${backend.kind}`, { skip: backend.skip }, () => {
    let sluice: Sluice;
    let upstream: FixtureServer;
    let base: string;
    let close: () => Promise<void>;
    const tokens: Record<string, string> = {};
    const failing = new Set<string>(['annecy|2025-01-20']);

    before(async () => {
      const handler = observations(failing, { now: 0, max: 0 });
      upstream = await startFixtureServer({ '/obs/annecy': handler, '/obs/chambery': handler });
      const project = await openTestProject(backend, weeklyObsConfig(upstream.url));
      sluice = project.sluice;
      const databaseUrl = project.databaseUrl;
      for (const role of ['viewer', 'analyst', 'admin'] as const) {
        tokens[role] = (await createToken(sluice.db, `t_${role}`, role)).token;
      }
      const queue = await startRunQueue(sluice.db, { databaseUrl, logger: sluice.logger });
      const pump = startBackfillPump(sluice, queue, {
        intervalMs: 200,
        maxActive: 5,
        repairAfterSeconds: 60,
      });
      const workers = await startWorkers(sluice.app, queue, {
        runs: 0,
        backfill: 4,
        afterBackfillPartition: pump.pump,
      });
      const server = await buildApiServer(sluice, { wakeBackfills: pump.pump, databaseUrl });
      base = await server.app.listen({ port: 0, host: '127.0.0.1' });
      close = async () => {
        await server.app.close();
        pump.stop();
        await workers.stop(0);
        await project.close();
        await upstream.close();
      };
    });
    after(() => close());

    const call = (method: string, path: string, role: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tokens[role]}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    const until = async (id: string, statuses: readonly string[]): Promise<AnyJson> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const detail = await readJson(await call('GET', `/api/backfills/${id}`, 'viewer'));
        if (statuses.includes(detail.backfill.status)) return detail;
        if (Date.now() > deadline) assert.fail(`backfill still ${detail.backfill.status}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    it('starts a backfill (analyst and up), streams its progress and draws the time × key grid', async () => {
      const request = { pipeline: 'weekly_obs', from: '2025-01-06', to: '2025-02-02', concurrency: 2 };
      assert.equal((await call('POST', '/api/backfills', 'viewer', request)).status, 403);
      const stream = await openStream(`${base}/api/events?types=backfill:`, {
        authorization: `Bearer ${tokens.viewer}`,
      });
      try {
        const created = await call('POST', '/api/backfills', 'admin', request);
        assert.equal(created.status, 201);
        const { backfill } = await readJson(created);
        assert.equal(created.headers.get('location'), `/api/backfills/${backfill.id}`);
        assert.deepEqual([backfill.status, backfill.total, backfill.createdBy], ['active', 8, 'api:t_admin']);

        const progress = await stream.next(
          (event) => event.event === 'backfill:progress' && JSON.parse(event.data).counts.succeeded >= 1,
        );
        assert.equal(JSON.parse(progress.data).id, backfill.id);
        await stream.next(
          (event) => event.event === 'backfill:failed' && JSON.parse(event.data).id === backfill.id,
          30_000,
        );
      } finally {
        stream.close();
      }
      const [listed] = (await readJson(await call('GET', '/api/backfills?status=failed', 'viewer')))
        .backfills;
      const detail = await until(listed.id, ['failed']);
      assert.deepEqual(detail.grid.columns, ['2025-W02', '2025-W03', '2025-W04', '2025-W05']);
      assert.deepEqual(detail.grid.rows, ['site=annecy', 'site=chambery']);
      assert.deepEqual(
        detail.grid.cells.map((row: Array<{ status: string }>) => row.map((cell) => cell.status)),
        [
          ['succeeded', 'succeeded', 'failed', 'succeeded'],
          ['succeeded', 'succeeded', 'succeeded', 'succeeded'],
        ],
      );
      const failedCell = detail.grid.cells[0][2];
      assert.equal(detail.partitions[failedCell.index].partition, '2025-W04|site=annecy');
      assert.match(detail.partitions[failedCell.index].lastError, /404/);

      failing.clear();
      const key = encodeURIComponent('2025-W04|site=annecy');
      assert.equal(
        (await call('POST', `/api/backfills/${listed.id}/partitions/${key}/retry`, 'viewer')).status,
        403,
      );
      const retried = await call('POST', `/api/backfills/${listed.id}/partitions/${key}/retry`, 'analyst');
      assert.equal(retried.status, 200);
      const done = await until(listed.id, ['completed']);
      assert.equal(done.partitions[failedCell.index].attempts, 2);
    });

    it('pauses, resumes and cancels, with 409 for an action that does not apply', async () => {
      const created = await readJson(
        await call('POST', '/api/backfills', 'admin', {
          pipeline: 'weekly_obs',
          from: '2025-09-01',
          to: '2025-12-28',
          keys: ['site=chambery'],
          concurrency: 1,
        }),
      );
      const id = created.backfill.id;
      const paused = await call('POST', `/api/backfills/${id}/pause`, 'analyst');
      assert.equal((await readJson(paused)).backfill.status, 'paused');
      assert.equal((await call('POST', `/api/backfills/${id}/pause`, 'admin')).status, 409);
      const metrics = await (await call('GET', '/metrics', 'viewer')).text();
      assert.match(metrics, /^sluice_backfill_partitions\{pipeline="weekly_obs",state="pending"\} \d+$/m);
      assert.equal((await call('POST', `/api/backfills/${id}/resume`, 'viewer')).status, 403);
      assert.equal(
        (await readJson(await call('POST', `/api/backfills/${id}/resume`, 'admin'))).backfill.status,
        'active',
      );
      const cancelled = await readJson(await call('POST', `/api/backfills/${id}/cancel`, 'admin'));
      assert.equal(cancelled.backfill.status, 'cancelled');
      assert.ok(cancelled.backfill.counts.cancelled >= 15, JSON.stringify(cancelled.backfill.counts));
      const retryFailed = await call('POST', `/api/backfills/${id}/retry-failed`, 'admin');
      assert.equal((await readJson(retryFailed)).backfill.status, 'active');
      await call('POST', `/api/backfills/${id}/cancel`, 'admin');
    });

    it('triggers one partition with a deterministic run id per attempt; a pending one is not queued twice', async () => {
      const trigger = (query: string) => call('POST', `/api/pipelines/weekly_obs/runs?${query}`, 'analyst');
      const key = '2025-W10|site=annecy';
      const first = await readJson(await trigger(`partition=${encodeURIComponent(key)}&wait=true`));
      assert.equal(first.status, 'succeeded');
      assert.equal(first.runId, deterministicRunId('weekly_obs', key, 1));
      assert.equal(first.run.partitionKey, key);
      const pending = await trigger(`partition=${encodeURIComponent(key)}`);
      assert.equal(pending.status, 202);
      const again = await trigger(`partition=${encodeURIComponent(key)}`);
      assert.equal(again.status, 409, 'the same partition is not queued again while its run is active');
      assert.equal((await readJson(pending)).runId, deterministicRunId('weekly_obs', key, 2));
      const byDate = await readJson(await trigger(`date=2025-03-05&partition=site%3Dchambery&wait=true`));
      assert.equal(byDate.run.partitionKey, '2025-W10|site=chambery');
      const none = await trigger('');
      assert.equal(none.status, 400);
      assert.match((await readJson(none)).detail, /is partitioned: name the partition/);
      const wrong = await trigger(`partition=${encodeURIComponent('2025-W10|site=lyon')}`);
      assert.equal(wrong.status, 400);
      assert.match((await readJson(wrong)).detail, /"lyon" is not a key of dimension "site"/);
    });

    it('lists how each pipeline is partitioned, for the backfill form', async () => {
      const { pipelines } = await readJson(await call('GET', '/api/pipelines', 'viewer'));
      assert.deepEqual(pipelines[0].partitioning, {
        shape: 'weekly|site=<key>',
        time: { every: 'weekly', timezone: 'UTC' },
        keys: [{ name: 'site', values: ['annecy', 'chambery'] }],
      });
    });

    it('refresh of stale data skips a partitioned pipeline, saying why', async () => {
      const response = await call('POST', '/api/freshness/refresh', 'analyst', {});
      assert.equal(response.status, 200);
      const body = await readJson(response);
      assert.deepEqual(body.triggered, []);
      assert.equal(body.skipped[0].pipeline, 'weekly_obs');
      assert.match(body.skipped[0].reason, /is partitioned: name the partition/);
    });

    it('answers bad requests with 4xx problems naming the field', async () => {
      const problem = async (response: Response, status: number, pattern: RegExp) => {
        assert.equal(response.status, status);
        assert.match((await readJson(response)).detail, pattern);
      };
      await problem(
        await call('POST', '/api/backfills', 'admin', {
          pipeline: 'weekly_obs',
          from: '2025-01-06',
          to: '2025-02-02',
          concurrency: 0,
        }),
        400,
        /concurrency/,
      );
      await problem(
        await call('POST', '/api/backfills', 'admin', {
          pipeline: 'weekly_obs',
          from: '2025-13-01',
          to: '2025-02-02',
        }),
        400,
        /--from must be a date|not a real date/,
      );
      await problem(
        await call('POST', '/api/backfills', 'admin', {
          pipeline: 'ghost',
          from: '2025-01-06',
          to: '2025-02-02',
        }),
        404,
        /pipeline "ghost" is not defined/,
      );
      await problem(await call('GET', '/api/backfills/not-a-uuid', 'viewer'), 400, /params\.id/);
      await problem(
        await call('GET', '/api/backfills/00000000-0000-4000-8000-000000000000', 'viewer'),
        404,
        /does not exist/,
      );
      assert.equal((await call('GET', '/api/backfills?status=done', 'viewer')).status, 400);
    });
  });
}

// Freshness end to end on PGlite and PostgreSQL with a fake clock: the summary kept by batch writes,
// statuses per series, the HTTP routes, refresh, monitor transitions with events and webhook, the CLI.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { startFreshnessMonitor } from '../../src/adapters/cli/freshness-monitor.ts';
import { main } from '../../src/adapters/cli/main.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { rebuildFreshness } from '../../src/adapters/postgres/freshness-summary.ts';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import type { FixtureServer } from '../support/fixture-server.ts';
import {
  CONFIG,
  NEWER_RATES,
  NEWER_READINGS,
  RATES,
  READINGS,
  startWebhookReceiver,
} from '../support/freshness-project.ts';
import { type AnyJson, readJson } from '../support/http.ts';
import { withInitProject } from '../support/project.ts';

const T0 = new Date('2026-03-02T11:00:00Z');
const T1 = new Date('2026-03-03T03:00:00Z');
const silent = createLogger({ level: 'silent' });

for (const backend of await testBackends()) {
  describe(`freshness on ${backend.kind}`, { skip: backend.skip }, () => {
    let sluice: Sluice;
    let dir: string;
    let url: string | undefined;
    let base: string;
    let hook: FixtureServer;
    let cleanup: () => Promise<void>;
    let closeApp: () => Promise<void>;
    const received: Array<{ status: number; body: AnyJson }> = [];
    const tokens: Record<string, string> = {};
    let now = T0;
    const clock = { now: () => now };
    const summary = async (dataset: string) =>
      (
        await sluice.db.query<{ series: object; last_time: Date; provider: string; last_run_id: string }>(
          `SELECT series, last_time, provider, last_run_id::text AS last_run_id FROM sluice.freshness_series
            WHERE dataset = $1 ORDER BY series`,
          [dataset],
        )
      ).rows.map((row) => ({ ...row, last_time: row.last_time.toISOString() }));

    before(async () => {
      const project = await withInitProject();
      dir = project.dir;
      await writeFile(join(dir, 'sluice.config.ts'), CONFIG);
      await mkdir(join(dir, 'rates'));
      await writeFile(join(dir, 'rates', 'rates.csv'), RATES);
      await writeFile(join(dir, 'data', 'readings.csv'), READINGS);
      const database = await backend.open({ migrated: true });
      url = database.url;
      if (!url) await database.db.close();
      sluice = await openSluice({
        cwd: dir,
        databaseUrl: url,
        dataDir: join(dir, '.sluice'),
        logger: silent,
      });
      for (const role of ['viewer', 'analyst'] as const) {
        tokens[role] = (await createToken(sluice.db, `t_${role}`, role)).token;
      }
      const server = await buildApiServer(sluice, { clock });
      base = await server.app.listen({ port: 0, host: '127.0.0.1' });
      hook = await startWebhookReceiver(received, 1);
      let appOpen = true;
      closeApp = async () => {
        if (!appOpen) return;
        appOpen = false;
        await server.app.close();
        await sluice.settle(10_000);
        await sluice.close();
      };
      cleanup = async () => {
        await closeApp();
        await hook.close();
        if (url) await database.close();
        await project.remove();
      };
    });
    after(() => cleanup());

    const call = (method: string, path: string, role: string, body?: object) =>
      fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tokens[role]}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });

    it('keeps the newest time per series in the statement that writes the batch', async () => {
      const rates = await sluice.run('rates_files');
      const readings = await sluice.run('readings_files');
      await sluice.run('archive_files');
      assert.deepEqual(await summary('rates'), [
        {
          series: { base: 'EUR', quote: 'GBP' },
          last_time: '2026-02-27T00:00:00.000Z',
          provider: 'ecb_files',
          last_run_id: rates.runId,
        },
        {
          series: { base: 'EUR', quote: 'USD' },
          last_time: '2026-03-02T00:00:00.000Z',
          provider: 'ecb_files',
          last_run_id: rates.runId,
        },
        {
          series: { base: 'USD', quote: 'JPY' },
          last_time: '2026-03-02T00:00:00.000Z',
          provider: 'ecb_files',
          last_run_id: rates.runId,
        },
      ]);
      assert.deepEqual(await summary('readings'), [
        {
          series: {},
          last_time: '2026-03-02T10:00:00.000Z',
          provider: 'station_files',
          last_run_id: readings.runId,
        },
      ]);
      assert.deepEqual(await summary('archive'), [], 'a dataset without freshness has no summary');

      // Older records never move a series back; a dry run leaves the summary as it was.
      await writeFile(join(dir, 'rates', 'rates.csv'), 'base,quote,day,rate\nEUR,USD,2026-02-20,1.0\n');
      const older = await sluice.run('rates_files');
      const eurUsd = (await summary('rates'))[1];
      assert.equal(eurUsd?.last_time, '2026-03-02T00:00:00.000Z');
      assert.equal(eurUsd?.last_run_id, older.runId);
      await writeFile(join(dir, 'rates', 'rates.csv'), NEWER_RATES);
      assert.equal((await sluice.run('rates_files', { dryRun: true })).counts.inserted, 3);
      assert.equal((await summary('rates'))[1]?.last_time, '2026-03-02T00:00:00.000Z');
      await writeFile(join(dir, 'rates', 'rates.csv'), RATES);
    });

    it('rates each series against maxAge with the clock it is given', async () => {
      const report = await sluice.app.freshness.report({ now: T0, limit: 100 });
      assert.equal(report.status, 'degraded');
      assert.deepEqual(
        report.datasets.map((d) => [d.dataset, d.status, d.counts]),
        [
          ['rates', 'degraded', { series: 3, fresh: 2, stale: 1, never: 0 }],
          ['readings', 'healthy', { series: 1, fresh: 1, stale: 0, never: 0 }],
          ['archive', 'unmonitored', { series: 0, fresh: 0, stale: 0, never: 0 }],
        ],
      );
      const rates = report.datasets[0]!;
      assert.deepEqual(
        rates.series.map((s) => [s.series, s.status, s.age]),
        [
          [{ base: 'EUR', quote: 'GBP' }, 'stale', '3d 11h'],
          [{ base: 'EUR', quote: 'USD' }, 'fresh', '11h'],
          [{ base: 'USD', quote: 'JPY' }, 'fresh', '11h'],
        ],
      );
      assert.equal(rates.lastSuccessfulRun?.pipeline, 'rates_files');
      const later = await sluice.app.freshness.report({ now: T1, limit: 1 });
      assert.equal(later.status, 'stale');
      assert.equal(later.datasets[0]?.series.length, 1);
    });

    it('rebuilds the summary from the table, dropping rows keyed by other columns', async () => {
      const before = await summary('rates');
      await sluice.db.query(`DELETE FROM sluice.freshness_series WHERE dataset = 'rates'`);
      await sluice.db.query(
        `INSERT INTO sluice.freshness_series (dataset, series, last_time) VALUES ('rates', '{"station": "x"}', now())`,
      );
      await rebuildFreshness(sluice.db, sluice.schema, sluice.config.datasets.get('rates')!);
      const rebuilt = await summary('rates');
      assert.deepEqual(
        rebuilt.map((row) => [row.series, row.last_time, row.provider]),
        before.map((row) => [row.series, row.last_time, row.provider]),
      );
    });

    it('GET /api/freshness answers a viewer with the project, datasets and stalest series', async () => {
      const response = await call('GET', '/api/freshness', 'viewer');
      assert.equal(response.status, 200);
      const body = await readJson(response);
      assert.equal(body.status, 'degraded');
      assert.equal(body.checkedAt, T0.toISOString());
      assert.deepEqual(body.datasets[0].series[0].series, { base: 'EUR', quote: 'GBP' });
      const only = await readJson(await call('GET', '/api/freshness?dataset=readings&limit=1', 'viewer'));
      assert.deepEqual(
        only.datasets.map((d: AnyJson) => [d.dataset, d.status, d.series[0].lastTime]),
        [['readings', 'healthy', '2026-03-02T10:00:00.000Z']],
      );
      assert.equal((await call('GET', '/api/freshness?dataset=ghost', 'viewer')).status, 404);
      assert.equal((await fetch(`${base}/api/freshness`)).status, 401);
    });

    it('records each transition once, publishes events and posts them to the webhook with retries', async () => {
      const webhook = { url: `${hook.url}/hook`, backoffMs: 20, timeoutMs: 2000 };
      const monitor = startFreshnessMonitor(sluice, { clock, intervalMs: 3_600_000, webhook });
      const other = startFreshnessMonitor(sluice, { clock, intervalMs: 3_600_000 });
      const first = await monitor.check();
      assert.deepEqual(
        first.map((t) => [t.dataset, t.series, t.previous, t.status, t.event]).sort(),
        [
          ['rates', { base: 'EUR', quote: 'GBP' }, 'never', 'stale', undefined],
          ['rates', { base: 'EUR', quote: 'USD' }, 'never', 'fresh', 'freshness:fresh'],
          ['rates', { base: 'USD', quote: 'JPY' }, 'never', 'fresh', 'freshness:fresh'],
          ['readings', {}, 'never', 'fresh', 'freshness:fresh'],
        ].sort(),
      );
      assert.deepEqual(await other.check(), [], 'another process finds nothing left to report');
      now = T1;
      const [second, third] = await Promise.all([monitor.check(), other.check()]);
      assert.equal(second.length + third.length, 3, 'three series went stale, each reported once');
      await monitor.flushAlerts(10_000);
      const { rows: events } = await sluice.db.query<{ type: string; payload: AnyJson }>(
        `SELECT type, payload FROM sluice.events WHERE type LIKE 'freshness:%' ORDER BY id`,
      );
      assert.deepEqual(
        events.map((e) => e.type),
        [
          'freshness:fresh',
          'freshness:fresh',
          'freshness:fresh',
          'freshness:stale',
          'freshness:stale',
          'freshness:stale',
        ],
      );
      const stale = events.find((e) => e.type === 'freshness:stale' && e.payload.dataset === 'readings');
      assert.deepEqual(stale?.payload, {
        dataset: 'readings',
        series: {},
        status: 'stale',
        previous: 'fresh',
        lastTime: '2026-03-02T10:00:00.000Z',
        age: '17h',
        ageMs: 17 * 3_600_000,
        maxAge: '2h',
        provider: 'station_files',
        at: T1.toISOString(),
      });
      // The webhook answered 500 once; that alert was retried, and the third-process ones never posted.
      const delivered = received.filter((r) => r.status === 204).map((r) => r.body);
      assert.equal(received[0]?.status, 500);
      assert.deepEqual(received[1]?.body, received[0]?.body, 'the failed post is retried with the same body');
      assert.equal(delivered.length, 3 + second.filter((t) => t.event).length);
      for (const body of delivered) {
        assert.deepEqual(Object.keys(body).sort(), [
          'age',
          'ageMs',
          'at',
          'dataset',
          'lastTime',
          'maxAge',
          'previous',
          'provider',
          'series',
          'status',
          'type',
        ]);
      }
      await Promise.all([monitor.stop(), other.stop()]);
    });

    it('refresh triggers each pipeline feeding a stale series once, and brings the data back to healthy', async () => {
      assert.equal((await readJson(await call('GET', '/api/freshness', 'viewer'))).status, 'stale');
      await sluice.db.query(
        `INSERT INTO sluice.runs (id, pipeline, dataset, status) VALUES (gen_random_uuid(), 'rates_files', 'rates', 'queued')`,
      );
      const busy = await readJson(await call('POST', '/api/freshness/refresh', 'analyst', { limit: 10 }));
      assert.deepEqual(
        busy.skipped.map((s: AnyJson) => [s.pipeline, /already has an active run/.test(s.reason)]),
        [['rates_files', true]],
      );
      for (const run of busy.triggered) await sluice.app.pipelines.wait(run.runId, 30_000);
      await sluice.db.query(`UPDATE sluice.runs SET status = 'cancelled' WHERE status = 'queued'`);

      await writeFile(join(dir, 'rates', 'rates.csv'), NEWER_RATES);
      await writeFile(join(dir, 'data', 'readings.csv'), NEWER_READINGS);
      const response = await call('POST', '/api/freshness/refresh', 'analyst');
      assert.equal(response.status, 202, await response.clone().text());
      const refreshed = await readJson(response);
      assert.equal(refreshed.stale[0].dataset, 'rates', 'the stalest series comes first');
      assert.deepEqual(refreshed.triggered.map((t: AnyJson) => t.pipeline).sort(), [
        'rates_files',
        'readings_files',
      ]);
      for (const run of refreshed.triggered) {
        assert.equal((await sluice.app.pipelines.wait(run.runId, 30_000)).status, 'succeeded');
      }
      const body = await readJson(await call('GET', '/api/freshness', 'viewer'));
      assert.equal(body.status, 'healthy');
      assert.deepEqual(
        body.datasets.map((d: AnyJson) => [d.dataset, d.status]),
        [
          ['rates', 'healthy'],
          ['readings', 'healthy'],
          ['archive', 'unmonitored'],
        ],
      );
      assert.equal((await call('POST', '/api/freshness/refresh', 'viewer')).status, 403);
    });

    it('answers GET /api/freshness quickly with 10,000 series', async () => {
      await sluice.db.query(
        `INSERT INTO sluice.freshness_series (dataset, series, last_time, provider)
         SELECT 'rates', jsonb_build_object('base', 'B' || lpad(i::text, 5, '0'), 'quote', 'USD'),
                $1::timestamptz - make_interval(mins => i), 'bench'
           FROM generate_series(1, 10000) AS i`,
        [T1.toISOString()],
      );
      await sluice.db.exec('ANALYZE sluice.freshness_series');
      const timed = async (path: string) => {
        const times: number[] = [];
        for (let i = 0; i < 21; i++) {
          const started = performance.now();
          const response = await call('GET', path, 'viewer');
          await response.arrayBuffer();
          if (i > 0) times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        return { median: times[10]!, max: times.at(-1)! };
      };
      const page = await timed('/api/freshness');
      const all = await timed('/api/freshness?limit=10000');
      console.log(
        `# ${backend.kind}: GET /api/freshness with 10,003 series: median ${page.median.toFixed(1)} ms (max ${page.max.toFixed(1)} ms); ` +
          `?limit=10000: median ${all.median.toFixed(1)} ms (max ${all.max.toFixed(1)} ms)`,
      );
      assert.ok(page.median < 500, `median ${page.median} ms`);
      const body = await readJson(await call('GET', '/api/freshness', 'viewer'));
      const rates = body.datasets.find((d: AnyJson) => d.dataset === 'rates');
      assert.equal(rates.counts.series, 10_003);
      assert.equal(rates.series.length, 100);
      await sluice.db.query(`DELETE FROM sluice.freshness_series WHERE provider = 'bench'`);
    });

    it('the CLI shows freshness, --check fails when stale, and refresh --stale runs what feeds it', async () => {
      await closeApp();
      const saved = { url: process.env.DATABASE_URL, clock: process.env.SLUICE_TEST_CLOCK };
      const cli = async (args: string[], at: Date) => {
        process.env.SLUICE_TEST_CLOCK = JSON.stringify({
          virtualStart: at.toISOString(),
          realStart: Date.now(),
          speed: 1,
        });
        let out = '';
        const code = await main(args, { stdout: (text) => (out += text), stderr: () => {}, cwd: dir });
        return { code, out };
      };
      try {
        if (url) process.env.DATABASE_URL = url;
        else delete process.env.DATABASE_URL;
        const healthy = await cli(['freshness', '--check', '--json'], T1);
        assert.equal(healthy.code, 0, healthy.out);
        assert.equal(JSON.parse(healthy.out).status, 'healthy');
        const later = new Date('2026-03-05T00:00:00Z');
        const stale = await cli(['freshness', '--check'], later);
        assert.equal(stale.code, 1);
        assert.match(stale.out, /^freshness: stale/);
        assert.match(stale.out, /rates +base=EUR quote=GBP +2026-03-03T00:00:00.000Z +2d +stale +ecb_files/);
        assert.equal((await cli(['freshness'], later)).code, 0, 'without --check the status is only shown');
        await writeFile(join(dir, 'rates', 'rates.csv'), 'base,quote,day,rate\nEUR,USD,2026-03-04,1.2\n');
        const refreshed = await cli(['refresh', '--stale', '--dataset', 'rates', '--limit', '1'], later);
        assert.equal(refreshed.code, 0, refreshed.out);
        assert.match(refreshed.out, /rates_files → rates: succeeded/);
        assert.match(refreshed.out, /freshness now: degraded/);
        assert.equal((await cli(['refresh'], later)).code, 2);
      } finally {
        for (const [name, value] of [
          ['DATABASE_URL', saved.url],
          ['SLUICE_TEST_CLOCK', saved.clock],
        ] as const) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    });
  });
}

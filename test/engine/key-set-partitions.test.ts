// Pipelines partitioned on stored key sets, on real databases and a local upstream: seeds loaded,
// attributes rendered into requests, one run per stored key per tick, and a backup beacon per key.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seedKeySets } from '../../src/adapters/cli/commands/seed.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { upsertKeys } from '../../src/adapters/postgres/key-set-store.ts';
import { type RunQueue, startRunQueue } from '../../src/adapters/queue/run-queue.ts';
import { startScheduler } from '../../src/adapters/queue/scheduler.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { withInitProject } from '../support/project.ts';

const config = (url: string) => `import { dataset, defineConfig, fallback, http, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), temperature_c: z.coerce.number().nullable() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
});
const transform = (record, { params }) => ({ station: params.site, observed_at: record.t, temperature_c: record.v });
export default defineConfig({
  datasets: [readings],
  keySets: {
    sites: { seed: 'seeds/sites.json', description: 'ROMMA stations' },
    beacons: { seed: 'seeds/beacons.csv' },
    spare: {},
  },
  pipelines: [
    pipeline('site_obs', {
      source: http({ url: '${url}/obs/{{site.romma_id}}?day={{start_date}}', name: 'romma' }),
      into: readings,
      schedule: { cron: '0 2 * * *' },
      partitions: { time: { every: 'daily', start: '2025-01-01' }, keys: { name: 'site', keySet: 'sites' } },
      transform,
    }),
    pipeline('beacon_obs', {
      source: fallback(
        http({ url: '${url}/beacon/{{site.primary}}', name: 'primary', retry: false, breaker: { threshold: 1, cooldownS: 3600 } }),
        http({ url: '${url}/beacon/{{site.backup}}', name: 'backup', retry: false }),
      ),
      into: readings,
      partitions: { keys: { name: 'site', keySet: 'beacons' } },
      transform,
    }),
    pipeline('spare_obs', {
      source: http({ url: '${url}/obs/{{key}}', name: 'spare' }),
      into: readings,
      schedule: { cron: '0 2 * * *' },
      partitions: { keys: { name: 'site', keySet: 'spare' } },
      transform,
    }),
  ],
});
`;

const SITES = [
  { key: 'annecy', romma_id: '74010', lat: 45.9 },
  { key: 'chambery', romma_id: '73065' },
];
const BEACONS = 'key,primary,backup\nannecy,p-annecy,b-annecy\nchambery,p-chambery,b-chambery\n';
const body = (v: number) => ({
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify([{ t: '2025-01-15T12:00:00Z', v }]),
});

for (const backend of await testBackends()) {
  describe(`key set partitions on ${backend.kind}`, { skip: backend.skip }, () => {
    let sluice: Sluice;
    let server: FixtureServer;
    let queue: RunQueue;
    let cleanup: () => Promise<void>;

    before(async () => {
      server = await startFixtureServer({
        '/obs/74010': body(1),
        '/obs/73065': body(2),
        '/obs/38185': body(3),
        '/beacon/p-annecy': { status: 503, body: 'down for maintenance' },
        '/beacon/b-annecy': body(10),
        '/beacon/p-chambery': body(20),
        '/beacon/b-chambery': body(21),
      });
      const project = await withInitProject();
      await writeFile(join(project.dir, 'sluice.config.ts'), config(server.url));
      await mkdir(join(project.dir, 'seeds'));
      await writeFile(join(project.dir, 'seeds', 'sites.json'), JSON.stringify(SITES));
      await writeFile(join(project.dir, 'seeds', 'beacons.csv'), BEACONS);
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
        await server.close();
        await project.remove();
      };
    });
    after(() => cleanup());

    it('seeds the declared sets from their files, resolved beside the config', async () => {
      const results = await seedKeySets(sluice, [], false);
      assert.deepEqual(
        results.map((result) => [result.keySet, result.seed, result.action, result.change.inserted]),
        [
          ['sites', 'seeds/sites.json', 'seeded', 2],
          ['beacons', 'seeds/beacons.csv', 'seeded', 2],
        ],
      );
      assert.deepEqual(
        [...(await sluice.keySets(sluice.pipeline('site_obs')))],
        [
          [
            'sites',
            [
              { key: 'annecy', attributes: { romma_id: '74010', lat: '45.9' } },
              { key: 'chambery', attributes: { romma_id: '73065' } },
            ],
          ],
        ],
      );
    });

    it('renders a stored attribute into the request of a partition run', async () => {
      const report = await sluice.run('site_obs', { partition: '2025-01-15|site=annecy' });
      assert.equal(report.status, 'succeeded', JSON.stringify(report.errors));
      assert.equal(server.requests.at(-1)?.url, '/obs/74010?day=2025-01-15');
      const { rows } = await sluice.db.query<{ station: string; temperature_c: number }>(
        `SELECT station, temperature_c FROM ${sluice.schema}.readings WHERE station = 'annecy'`,
      );
      assert.deepEqual(rows, [{ station: 'annecy', temperature_c: 1 }]);
      await assert.rejects(
        sluice.run('site_obs', { partition: '2025-01-15|site=grenoble' }),
        /"grenoble" is not a key of dimension "site"/,
      );
    });

    it('reads the set at every run: a key added now runs at once', async () => {
      await upsertKeys(sluice.db, 'sites', [{ key: 'grenoble', attributes: { romma_id: '38185' } }]);
      const report = await sluice.run('site_obs', { partition: '2025-01-15|site=grenoble' });
      assert.equal(report.status, 'succeeded', JSON.stringify(report.errors));
      assert.equal(server.requests.at(-1)?.url, '/obs/38185?day=2025-01-15');
    });

    it('says how to load an empty set when a run needs it', async () => {
      await assert.rejects(
        sluice.run('spare_obs', { partition: 'site=annecy' }),
        /key set "spare" is empty: load it with `sluice seed spare` or `sluice keys spare add/,
      );
    });

    it('queues one run per stored key on a tick; an empty set skips its tick with the reason', async () => {
      let now = new Date('2025-01-16T01:00:00Z');
      const scheduler = startScheduler(sluice.app, queue, {
        clock: { now: () => now },
        intervalMs: 3_600_000,
      });
      assert.deepEqual(await scheduler.evaluate(), []);
      now = new Date('2025-01-16T02:00:05Z');
      const ticks = await scheduler.evaluate();
      const sites = ticks.find((tick) => tick.pipeline === 'site_obs');
      assert.equal(sites?.outcome, 'fired');
      assert.deepEqual(
        sites?.runs?.map((run) => run.partitionKey),
        ['2025-01-15|site=annecy', '2025-01-15|site=chambery', '2025-01-15|site=grenoble'],
      );
      for (const run of sites?.runs ?? []) assert.ok(await queue.hasJob(run.runId));
      const spare = ticks.find((tick) => tick.pipeline === 'spare_obs');
      assert.equal(spare?.outcome, 'skipped');
      assert.match(spare?.reason ?? '', /key set "spare" is empty/);
    });

    it("falls back to a key's backup beacon; the primary's breaker is shared by every key", async () => {
      const annecy = await sluice.run('beacon_obs', { partition: 'site=annecy' });
      assert.equal(annecy.status, 'succeeded', JSON.stringify(annecy.errors));
      assert.equal(annecy.provider, 'backup');
      assert.deepEqual(
        annecy.providers?.map((attempt) => [attempt.provider, attempt.outcome]),
        [
          ['primary', 'failed'],
          ['backup', 'served'],
        ],
      );
      const rows = async (runId: string) =>
        (
          await sluice.db.query<{ temperature_c: number; _provider: string }>(
            `SELECT temperature_c, _provider FROM ${sluice.schema}.readings WHERE _run_id = $1`,
            [runId],
          )
        ).rows;
      assert.deepEqual(await rows(annecy.runId), [{ temperature_c: 10, _provider: 'backup' }]);
      // The breaker is keyed by provider name, not by key: annecy's failure opened it (threshold 1),
      // so chambery skips its healthy primary beacon and is served by its backup too.
      const chambery = await sluice.run('beacon_obs', { partition: 'site=chambery' });
      assert.equal(chambery.status, 'succeeded', JSON.stringify(chambery.errors));
      assert.deepEqual(
        chambery.providers?.map((attempt) => [attempt.provider, attempt.outcome]),
        [
          ['primary', 'skipped'],
          ['backup', 'served'],
        ],
      );
      assert.deepEqual(await rows(chambery.runId), [{ temperature_c: 21, _provider: 'backup' }]);
      assert.equal(
        server.requests.filter((request) => request.url === '/beacon/p-chambery').length,
        0,
        'no request to the healthy primary while the shared breaker is open',
      );
    });
  });
}

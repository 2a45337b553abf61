// Runs of a partitioned pipeline on real databases: the partition's parameters reach the source and
// the transform, its key is stored on the run, and a run without a partition is refused.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { getRun, listRuns } from '../../src/adapters/postgres/run-store.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { withInitProject } from '../support/project.ts';

const config = (url: string) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), temperature_c: z.coerce.number().nullable() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
});
export default defineConfig({
  datasets: [readings],
  pipelines: [
    pipeline('weekly_obs', {
      source: http({ url: '${url}/obs/{{key}}?from={{start_date}}&to={{end_date}}&id={{site.romma_id}}', name: 'romma' }),
      into: readings,
      partitions: {
        time: { every: 'weekly', start: '2025-01-01', timezone: 'Europe/Paris' },
        keys: { name: 'site', values: [{ key: 'annecy', romma_id: '74010' }, { key: 'chambery', romma_id: '73065' }] },
      },
      transform: (record, { params }) => ({ station: params.site, observed_at: record.t, temperature_c: record.v }),
    }),
    pipeline('plain', { source: http({ url: '${url}/obs/plain', name: 'plain' }), into: readings,
      transform: (record) => ({ station: 'plain', observed_at: record.t, temperature_c: record.v }) }),
  ],
});
`;

const BODY = JSON.stringify([{ t: '2025-01-15T12:00:00Z', v: 2.5 }]);

for (const backend of await testBackends()) {
  describe(`partition runs on ${backend.kind}`, { skip: backend.skip }, () => {
    let sluice: Sluice;
    let server: FixtureServer;
    let cleanup: () => Promise<void>;

    before(async () => {
      server = await startFixtureServer({
        '/obs/annecy': { headers: { 'content-type': 'application/json' }, body: BODY },
        '/obs/chambery': { headers: { 'content-type': 'application/json' }, body: BODY },
        '/obs/plain': { headers: { 'content-type': 'application/json' }, body: BODY },
      });
      const project = await withInitProject();
      await writeFile(join(project.dir, 'sluice.config.ts'), config(server.url));
      const database = await backend.open({ migrated: true });
      if (!database.url) await database.db.close();
      sluice = await openSluice({
        cwd: project.dir,
        databaseUrl: database.url,
        dataDir: join(project.dir, '.sluice'),
        logger: createLogger({ level: 'silent' }),
      });
      cleanup = async () => {
        await sluice.close();
        if (database.url) await database.close();
        await server.close();
        await project.remove();
      };
    });
    after(() => cleanup());

    it('renders the partition into the request and records its key on the run', async () => {
      const report = await sluice.run('weekly_obs', { partition: '2025-W03|site=annecy' });
      assert.equal(report.status, 'succeeded', JSON.stringify(report.errors));
      assert.equal(report.partitionKey, '2025-W03|site=annecy');
      assert.equal(server.requests.at(-1)?.url, '/obs/annecy?from=2025-01-13&to=2025-01-19&id=74010');
      assert.equal(report.counts.inserted, 1);
      const run = await getRun(sluice.db, report.runId);
      assert.equal(run.partitionKey, '2025-W03|site=annecy');
      const listed = await listRuns(sluice.db, { pipeline: 'weekly_obs', limit: 10 });
      assert.deepEqual(
        listed.map((r) => r.partitionKey),
        ['2025-W03|site=annecy'],
      );
      const { rows } = await sluice.db.query<{ station: string }>(
        `SELECT station FROM ${sluice.schema}.readings WHERE station = 'annecy'`,
      );
      assert.equal(rows.length, 1, 'the transform saw params.site');
    });

    it('refuses a partitioned run without a partition, saying how to pass one', async () => {
      await assert.rejects(sluice.run('weekly_obs'), (error: Error) =>
        /pipeline "weekly_obs" is partitioned.*weekly\|site=<key>.*--partition <key>/.test(error.message),
      );
      await assert.rejects(sluice.run('weekly_obs', { partition: '2025-W03|site=grenoble' }), /not a key/);
      await assert.rejects(sluice.run('plain', { partition: '2025-W03' }), /has no partitions/);
    });

    it('leaves an unpartitioned pipeline as it was', async () => {
      const report = await sluice.run('plain');
      assert.equal(report.status, 'succeeded', JSON.stringify(report.errors));
      assert.equal(report.partitionKey, undefined);
      assert.equal((await getRun(sluice.db, report.runId)).partitionKey, null);
    });
  });
}

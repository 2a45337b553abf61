// `sluice run --all` and `sluice start` run every pipeline: a partitioned one for the partitions its
// schedule would run now, every key; one that cannot run is reported and the later ones still run.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliSession } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { seedPgliteDataDir } from '../support/pglite-template.ts';
import { observations } from '../support/weekly-obs.ts';

const config = (url: string) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), temperature_c: z.coerce.number() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
});
const notes = dataset('notes', {
  schema: z.object({ id: z.number(), day: z.coerce.date() }),
  key: ['id'],
  time: 'day',
});
const obs = (name: string, partitions: object) =>
  pipeline(name, {
    source: http({ url: '${url}/obs/{{site}}?from={{start_date}}&to={{end_date}}', name }),
    into: readings,
    partitions,
    transform: (record, { params }) => ({ station: params.site, observed_at: record.t, temperature_c: record.v }),
  });
export default defineConfig({
  datasets: [readings, notes],
  keySets: { stations: { description: 'filled later with sluice keys add' } },
  pipelines: [
    obs('weekly_obs', {
      time: { every: 'weekly', start: '2025-01-06' },
      keys: { name: 'site', values: ['annecy', 'chambery'] },
    }),
    obs('not_started', { time: { every: 'weekly', start: '2030-01-07' }, keys: { name: 'site', values: ['annecy'] } }),
    obs('no_keys_yet', { time: { every: 'weekly', start: '2025-01-06' }, keys: { name: 'site', keySet: 'stations' } }),
    pipeline('plain', { source: http({ url: '${url}/notes', name: 'notes' }), into: notes }),
  ],
});
`;

interface Report {
  pipeline: string;
  partitionKey?: string;
  status: string;
  counts: { inserted: number };
}
interface NotRun {
  pipeline: string;
  code: string;
  reason: string;
}

for (const backend of await testBackends()) {
  describe(`run --all and start on ${backend.kind}`, { skip: backend.skip }, () => {
    const session = cliSession();
    let server: FixtureServer;
    let dir: string;
    let env: Record<string, string | undefined>;
    let closeDb: () => Promise<void> = async () => {};
    const cli = (...args: string[]) => session.run(args, { cwd: dir, env });

    before(async () => {
      const handler = observations(new Set(), { now: 0, max: 0 });
      server = await startFixtureServer({
        '/obs/annecy': handler,
        '/obs/chambery': handler,
        '/notes': (_request: unknown, response: ServerResponse) =>
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify([{ id: 1, day: '2025-01-14' }])),
      });
      dir = await mkdtemp(join(tmpdir(), 'sluice-run-all-'));
      await writeFile(join(dir, 'sluice.config.ts'), config(server.url));
      // Wednesday of 2025-W03: the weekly schedule's tick target is the previous week, 2025-W02.
      env = {
        SLUICE_TEST_CLOCK: JSON.stringify({
          virtualStart: '2025-01-15T10:00:00Z',
          realStart: Date.now(),
          speed: 1,
        }),
      };
      if (backend.kind === 'pglite') await seedPgliteDataDir(join(dir, '.sluice'));
      if (backend.kind === 'postgres') {
        const opened = await backend.open({ migrated: true });
        env.DATABASE_URL = opened.url;
        await opened.db.close();
        closeDb = () => opened.close();
      }
    });
    after(async () => {
      await session.close();
      await closeDb();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('run --all runs every key of the tick-target partition and the pipelines after the ones that cannot run', async () => {
      const result = await cli('run', '--all', '--json');
      assert.equal(result.code, 1, result.stderr);
      const body = JSON.parse(result.stdout) as { runs: Report[]; notRun: NotRun[] };
      assert.deepEqual(
        body.runs.map((run) => [run.pipeline, run.partitionKey ?? null, run.status, run.counts.inserted]),
        [
          ['weekly_obs', '2025-W02|site=annecy', 'succeeded', 7],
          ['weekly_obs', '2025-W02|site=chambery', 'succeeded', 7],
          ['plain', null, 'succeeded', 1],
        ],
      );
      assert.deepEqual(
        body.notRun.map((entry) => [entry.pipeline, entry.code]),
        [
          ['not_started', 'no_partition'],
          ['no_keys_yet', 'usage_error'],
        ],
      );
      assert.match(body.notRun[0]?.reason ?? '', /outside its partitions \(2030-01-0\d.* to open end\)/);
      assert.match(body.notRun[1]?.reason ?? '', /stations/);
    });

    it('start reports the runs, names what did not run and why, and exits 1', async () => {
      const result = await cli('start');
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stdout, /weekly_obs \[2025-W02\|site=annecy\] → readings: succeeded/);
      assert.match(result.stdout, /weekly_obs \[2025-W02\|site=chambery\] → readings: succeeded/);
      assert.match(result.stdout, /not_started: not run \[no_partition\]: the previous weekly window/);
      assert.match(result.stdout, /no_keys_yet: not run \[usage_error\]: .*stations/);
      assert.match(result.stdout, /plain → notes: succeeded/);
      assert.match(result.stdout, /2 pipelines or partitions were not run/);
    });
  });
}

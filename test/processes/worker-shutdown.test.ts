// SIGTERM with a run in progress: past the grace period the worker releases the run, and another
// worker takes it over at once instead of waiting for a heartbeat to lapse.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase, testBackends } from '../support/databases.ts';
import { startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';
import { startSluice } from '../support/processes.ts';
import { withInitProject } from '../support/project.ts';

const postgres = (await testBackends()).find((backend) => backend.kind === 'postgres')!;

const config = (url: string) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const rates = dataset('fx_rates', {
  schema: z.object({ base: z.string(), quote: z.string(), day: z.iso.date(), rate: z.number() }),
  key: ['base', 'quote', 'day'],
  time: 'day',
});
export default defineConfig({
  datasets: [rates],
  pipelines: [pipeline('fx_latest', {
    source: http({ url: '${url}/v1/latest', timeoutMs: 120000, name: 'frankfurter' }),
    into: rates,
    transform: (doc) => {
      const { base, date, rates } = doc as { base: string; date: string; rates: Record<string, number> };
      return Object.entries(rates).map(([quote, rate]) => ({ base, quote, day: date, rate }));
    },
  })],
});
`;

describe('graceful worker shutdown', { skip: postgres.skip }, () => {
  it('releases an unfinished run after the grace period to another worker immediately', async () => {
    const body = upstreamFixture('frankfurter_latest_base-EUR.json');
    const hanging: ServerResponse[] = [];
    let requests = 0;
    const server = await startFixtureServer({
      '/v1/latest': (_request, response) => {
        requests++;
        if (requests === 1) hanging.push(response);
        else response.writeHead(200, { 'content-type': 'application/json' }).end(body);
      },
    });
    const project = await withInitProject();
    const database = await createPostgresDatabase();
    await writeFile(join(project.dir, 'sluice.config.ts'), config(server.url));
    const env = {
      DATABASE_URL: database.url,
      SLUICE_SCHEDULER_ENABLED: 'false',
      SLUICE_SHUTDOWN_GRACE_S: '1',
    };
    const processes = [];
    try {
      const queued = await runCli(['trigger', 'fx_latest', '--json'], { cwd: project.dir, env });
      assert.equal(queued.code, 0, queued.stderr);
      const leaving = await startSluice(['worker'], { cwd: project.dir, env });
      processes.push(leaving);
      while (requests === 0) await sleep(50);
      processes.push(await startSluice(['worker'], { cwd: project.dir, env }));

      const stoppedAt = Date.now();
      assert.equal(await leaving.stop('SIGTERM'), 0, leaving.output());
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      let runs: Array<{ status: string; attempt: number }> = [];
      while (Date.now() - stoppedAt < 20_000) {
        runs = (await client.query('SELECT status, attempt FROM sluice.runs ORDER BY queued_at')).rows;
        if (runs.some((run) => run.status === 'succeeded')) break;
        await sleep(100);
      }
      const takenOverAfter = (Date.now() - stoppedAt) / 1000;
      await client.end();
      assert.deepEqual(runs, [
        { status: 'cancelled', attempt: 1 },
        { status: 'succeeded', attempt: 2 },
      ]);
      assert.ok(
        takenOverAfter < 6,
        `taken over ${takenOverAfter.toFixed(1)} s after SIGTERM (grace 1 s, no heartbeat wait)`,
      );
      assert.match(leaving.output(), /shutting down/);
    } finally {
      for (const response of hanging) response.destroy();
      await Promise.all(processes.map((process) => process.stop('SIGKILL')));
      await server.close();
      await database.drop();
      await project.remove();
    }
  });
});

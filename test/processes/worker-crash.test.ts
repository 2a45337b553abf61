// A worker SIGKILLed in the middle of a run loses nothing: its run is marked failed (abandoned),
// another worker retries the job within the heartbeat bound, and no row is written twice.
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

describe('worker crash', { skip: postgres.skip }, () => {
  it('retries a SIGKILLed worker’s run on another worker, without duplicates', async () => {
    const body = upstreamFixture('frankfurter_latest_base-EUR.json');
    const hanging: ServerResponse[] = [];
    let requests = 0;
    const server = await startFixtureServer({
      '/v1/latest': (_request, response) => {
        requests++;
        // The first attempt hangs, as an upstream sometimes does; the retry gets the answer.
        if (requests === 1) hanging.push(response);
        else response.writeHead(200, { 'content-type': 'application/json' }).end(body);
      },
    });
    const project = await withInitProject();
    const database = await createPostgresDatabase();
    await writeFile(join(project.dir, 'sluice.config.ts'), config(server.url));
    const env = { DATABASE_URL: database.url, SLUICE_SCHEDULER_ENABLED: 'false' };
    const processes = [];
    try {
      const queued = await runCli(['trigger', 'fx_latest', '--json'], { cwd: project.dir, env });
      assert.equal(queued.code, 0, queued.stderr);
      const { runId } = JSON.parse(queued.stdout);

      const doomed = await startSluice(['worker'], { cwd: project.dir, env });
      processes.push(doomed);
      while (requests === 0) await sleep(50);
      await doomed.stop('SIGKILL');
      const killedAt = Date.now();

      processes.push(await startSluice(['worker'], { cwd: project.dir, env }));
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      let runs: Array<{
        id: string;
        status: string;
        attempt: number;
        job_id: string;
        errors: Array<{ code: string }>;
      }> = [];
      while (Date.now() - killedAt < 45_000) {
        runs = (
          await client.query('SELECT id, status, attempt, job_id, errors FROM sluice.runs ORDER BY queued_at')
        ).rows;
        if (runs.some((run) => run.status === 'succeeded')) break;
        await sleep(250);
      }
      const retriedAfter = (Date.now() - killedAt) / 1000;
      const rows = (
        await client.query('SELECT count(*)::int AS n, count(DISTINCT quote)::int AS quotes FROM fx_rates')
      ).rows[0];
      await client.end();

      assert.equal(runs.length, 2, JSON.stringify(runs));
      const [first, second] = runs;
      assert.equal(first?.id, runId);
      assert.equal(first?.status, 'failed');
      assert.equal(first?.errors.at(-1)?.code, 'abandoned');
      assert.equal(second?.status, 'succeeded');
      assert.equal(second?.attempt, 2);
      assert.equal(second?.job_id, runId, 'the retry belongs to the same queue job');
      assert.ok(
        retriedAfter < 30,
        `retried ${retriedAfter.toFixed(1)} s after the kill (bound: heartbeat 10 s + supervise 5 s)`,
      );
      const expected = Object.keys(JSON.parse(body.toString()).rates).length;
      assert.deepEqual(rows, { n: expected, quotes: expected });
    } finally {
      for (const response of hanging) response.destroy();
      await Promise.all(processes.map((process) => process.stop('SIGKILL')));
      await server.close();
      await database.drop();
      await project.remove();
    }
  });
});

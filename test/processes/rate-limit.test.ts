// Three `sluice worker` processes running six pipelines against one upstream with a quota of two
// requests per second: together they keep to it, because the limit lives in PostgreSQL.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase, testBackends } from '../support/databases.ts';
import { startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';
import { type SluiceProcess, startSluice } from '../support/processes.ts';
import { withInitProject } from '../support/project.ts';

const postgres = (await testBackends()).find((backend) => backend.kind === 'postgres')!;
const PIPELINES = 6;

const config = (url: string) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const quotes = dataset('quotes', {
  schema: z.object({ symbol: z.string(), day: z.iso.date(), close: z.string() }),
  key: ['symbol', 'day'],
  time: 'day',
});
const quote = (n) => pipeline('quote_' + n, {
  source: http({ url: '${url}/quote?n=' + n, name: 'twelvedata', rateLimit: { requests: 2, per: '1s' } }),
  into: quotes,
  transform: (doc) => ({ symbol: doc.symbol, day: doc.datetime, close: doc.close }),
});
export default defineConfig({ datasets: [quotes], pipelines: [${Array.from({ length: PIPELINES }, (_, i) => `quote(${i + 1})`).join(', ')}] });
`;

describe('a rate limit shared by worker processes', { skip: postgres.skip }, () => {
  it('keeps three workers together at two requests per second', async () => {
    const arrivals: number[] = [];
    const body = upstreamFixture('twelvedata_quote_AAPL.json');
    const server = await startFixtureServer({
      '/quote': (_request, response) => {
        arrivals.push(Date.now());
        response.writeHead(200, { 'content-type': 'application/json' }).end(body);
      },
    });
    const project = await withInitProject();
    const database = await createPostgresDatabase();
    const env = {
      DATABASE_URL: database.url,
      SLUICE_SCHEDULER_ENABLED: 'false',
      SLUICE_WORKER_CONCURRENCY: '2',
    };
    const workers: SluiceProcess[] = [];
    try {
      await writeFile(join(project.dir, 'sluice.config.ts'), config(server.url));
      const migrated = await runCli(['migrate'], { cwd: project.dir, env });
      assert.equal(migrated.code, 0, migrated.stderr);
      for (let index = 0; index < 3; index++)
        workers.push(await startSluice(['worker'], { cwd: project.dir, env }));
      const triggered = await Promise.all(
        Array.from({ length: PIPELINES }, (_, index) =>
          runCli(['trigger', `quote_${index + 1}`], { cwd: project.dir, env }),
        ),
      );
      for (const result of triggered) assert.equal(result.code, 0, result.stderr);

      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      let runs: Array<{ status: string; worker: string | null }> = [];
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        runs = (await client.query('SELECT status, worker FROM sluice.runs')).rows;
        if (runs.length === PIPELINES && runs.every((run) => run.status === 'succeeded')) break;
        await sleep(100);
      }
      await client.end();
      assert.deepEqual(
        runs.map((run) => run.status),
        Array(PIPELINES).fill('succeeded'),
        workers.map((w) => w.output()).join('\n'),
      );
      assert.ok(
        new Set(runs.map((run) => run.worker)).size >= 2,
        'the runs were spread over several workers',
      );
      arrivals.sort((left, right) => left - right);
      assert.equal(arrivals.length, PIPELINES);
      // Grants are timed by the database; arrivals trail them by HTTP and scheduling jitter, which
      // on a loaded 2-core CI machine reaches ~100 ms: allow 200 ms, and check the overall pace.
      for (let index = 2; index < arrivals.length; index++) {
        const gap = (arrivals[index] ?? 0) - (arrivals[index - 2] ?? 0);
        assert.ok(gap >= 800, `requests ${index - 1} and ${index + 1} came ${gap} ms apart`);
      }
      const span = (arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0);
      assert.ok(
        span >= (Math.ceil(PIPELINES / 2) - 1) * 1000 - 200,
        `${PIPELINES} requests within ${span} ms`,
      );
    } finally {
      await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
      await server.close();
      await database.drop();
      await project.remove();
    }
  });
});

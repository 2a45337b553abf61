// Three `sluice worker` processes running ten pipelines against one upstream with a quota of two
// requests per second, on a machine kept busy by a CPU hog per core: together they keep to it as
// the upstream counts, on arrival, because the limit lives in PostgreSQL with a margin for the way.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { startRunQueue } from '../../src/adapters/queue/run-queue.ts';
import { openSluice } from '../../src/main.ts';
import { createPostgresDatabase, testBackends } from '../support/databases.ts';
import { startFixtureServer, upstreamFixture } from '../support/fixture-server.ts';
import { type SluiceProcess, startSluice } from '../support/processes.ts';
import { withInitProject } from '../support/project.ts';

const postgres = (await testBackends()).find((backend) => backend.kind === 'postgres')!;
const PIPELINES = 10;
const LIMIT = 2;
const HOG = 'const end = Date.now() + 60_000; while (Date.now() < end) {}';

const config = (url: string) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const quotes = dataset('quotes', {
  schema: z.object({ symbol: z.string(), day: z.iso.date(), close: z.string() }),
  key: ['symbol', 'day'],
  time: 'day',
});
const quote = (n) => pipeline('quote_' + n, {
  source: http({ url: '${url}/quote?n=' + n, name: 'twelvedata', rateLimit: { requests: ${LIMIT}, per: '1s' } }),
  into: quotes,
  transform: (doc) => ({ symbol: doc.symbol, day: doc.datetime, close: doc.close }),
});
export default defineConfig({ datasets: [quotes], pipelines: [${Array.from({ length: PIPELINES }, (_, i) => `quote(${i + 1})`).join(', ')}] });
`;

describe('a rate limit shared by worker processes', { skip: postgres.skip }, () => {
  it('keeps three busy workers together at two requests per second as the upstream sees them', async () => {
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
    const hogs: ChildProcess[] = [];
    try {
      await writeFile(join(project.dir, 'sluice.config.ts'), config(server.url));
      // Queued in-process while the machine is calm: ten CLI processes under load would take the time.
      const sluice = await openSluice({
        cwd: project.dir,
        databaseUrl: database.url,
        logger: createLogger({ level: 'silent' }),
      });
      try {
        const queue = await startRunQueue(sluice.db, { databaseUrl: database.url, logger: sluice.logger });
        try {
          const dispatcher = sluice.app.pipelines.dispatcher(queue);
          for (let index = 0; index < PIPELINES; index++)
            await dispatcher.trigger(`quote_${index + 1}`, 'cli');
        } finally {
          await queue.stop({ graceful: false, timeoutMs: 1000 });
        }
      } finally {
        await sluice.close();
      }
      // Loaded from here on: every step between a grant and the request arriving may be delayed.
      for (let core = 0; core < availableParallelism(); core++)
        // Bounded, so that a hog outlives a crashed test by a minute at most on a shared machine.
        hogs.push(spawn(process.execPath, ['-e', HOG], { stdio: 'ignore' }));
      workers.push(
        ...(await Promise.all([1, 2, 3].map(() => startSluice(['worker'], { cwd: project.dir, env })))),
      );

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
      // Every sliding window of one second, as the upstream counts, holds at most LIMIT arrivals.
      const crowded = arrivals.flatMap((at, index) => {
        const within = arrivals.filter((other) => other >= at && other < at + 1000).length;
        return within > LIMIT ? [`${within} arrivals in the second from request ${index + 1}`] : [];
      });
      const gaps = arrivals.slice(1).map((at, index) => at - (arrivals[index] ?? 0));
      assert.deepEqual(crowded, [], `gaps between arrivals (ms): ${gaps.join(', ')}`);
    } finally {
      for (const hog of hogs) hog.kill('SIGKILL');
      await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
      await server.close();
      await database.drop();
      await project.remove();
    }
  });
});

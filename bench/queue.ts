// bench:queue — 1,000 trivial runs (a source with nothing to read) enqueued at once, three `sluice worker` processes, beside raw
// pg-boss send/work with the same settings, in the same run on the local PostgreSQL.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { createLogger } from '../src/adapters/log/logger.ts';
import { startRunQueue } from '../src/adapters/queue/run-queue.ts';
import { openSluice } from '../src/main.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 1000);
const WORKERS = 3;
const CONCURRENCY = 2;
const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(root, 'bench', 'out', 'queue');
const adminUrl = process.env.SLUICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function spawnReady(args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    cwd: work,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(child.stdout!, 'data');
  return child;
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }),
  );
}

const CONFIG = `import { dataset, defineConfig, files, pipeline, z } from 'sluice';
const ticks = dataset('bench_ticks', {
  schema: z.object({ id: z.string(), at: z.coerce.date() }),
  key: ['id'],
  time: 'at',
});
export default defineConfig({
  datasets: [ticks],
  pipelines: Array.from({ length: ${RUNS} }, (_, i) =>
    pipeline('p_' + i, { source: files({ dir: '.', glob: 'none-*.csv' }), into: ticks })),
});
`;

const dbName = `sluice_bench_q_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
const databaseUrl = url.toString();
try {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await writeFile(join(work, 'sluice.config.ts'), CONFIG);
  await writeFile(join(work, 'one.csv'), 'id,at\nx,2026-01-01T00:00:00Z\n');

  // --- raw pg-boss: the same queue options (notify, polling 1 s, local concurrency 2), no-op handler.
  const rawBoss = new PgBoss({
    connectionString: databaseUrl,
    schema: 'bench_raw',
    useListenNotify: true,
    schedule: false,
  });
  await rawBoss.start();
  await rawBoss.createQueue('raw', { notify: true });
  const rawWorkers = [];
  for (let i = 0; i < WORKERS; i++) {
    rawWorkers.push(
      await spawnReady([join(root, 'bench', 'queue-raw-worker.ts')], {
        DATABASE_URL: databaseUrl,
        CONCURRENCY: String(CONCURRENCY),
      }),
    );
  }
  const rawStart = Date.now();
  await rawBoss.insert(
    'raw',
    Array.from({ length: RUNS }, () => ({ data: {} })),
  );
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let rawDone = 0;
  while (rawDone < RUNS) {
    await sleep(20);
    rawDone = (
      await client.query(
        `SELECT count(*)::int AS n FROM bench_raw.job WHERE name = 'raw' AND state = 'completed'`,
      )
    ).rows[0].n;
  }
  const rawSeconds = (Date.now() - rawStart) / 1000;
  const rawLatency = (
    await client.query<{ ms: number }>(
      `SELECT extract(epoch FROM started_on - created_on) * 1000 AS ms FROM bench_raw.job WHERE name = 'raw'`,
    )
  ).rows.map((row) => Number(row.ms));
  await stopAll(rawWorkers);
  await rawBoss.stop({ graceful: false, close: true });

  // --- sluice: three worker processes; 1,000 runs queued at once (one per pipeline).
  const env = {
    DATABASE_URL: databaseUrl,
    SLUICE_SCHEDULER_ENABLED: 'false',
    SLUICE_WORKER_CONCURRENCY: String(CONCURRENCY),
    LOG_LEVEL: 'warn',
  };
  const sluice = await openSluice({ cwd: work, databaseUrl, logger: createLogger({ level: 'warn' }) });
  const queue = await startRunQueue(sluice.db, { databaseUrl, logger: sluice.logger });
  const workers = [];
  for (let i = 0; i < WORKERS; i++)
    workers.push(await spawnReady([join(root, 'bin', 'sluice.js'), 'worker', '--json'], env));
  const sluiceStart = Date.now();
  await sluice.app.pipelines.triggerMany(
    queue,
    Array.from({ length: RUNS }, (_, i) => ({ pipeline: `p_${i}` })),
    'bench',
  );
  const enqueueSeconds = (Date.now() - sluiceStart) / 1000;
  let done = 0;
  while (done < RUNS) {
    await sleep(50);
    done = (
      await client.query(
        `SELECT count(*)::int AS n FROM sluice.runs WHERE status IN ('succeeded', 'failed', 'partial')`,
      )
    ).rows[0].n;
  }
  const sluiceSeconds = (Date.now() - sluiceStart) / 1000;
  const stats = await client.query<{ ms: number; status: string }>(
    `SELECT extract(epoch FROM started_at - queued_at) * 1000 AS ms, status FROM sluice.runs`,
  );
  const sluiceLatency = stats.rows.map((row) => Number(row.ms));
  const failed = stats.rows.filter((row) => row.status !== 'succeeded').length;
  await stopAll(workers);
  await queue.stop({ graceful: false, timeoutMs: 1000 });
  await sluice.close();
  await client.end();

  const result = {
    runs: RUNS,
    workers: WORKERS,
    concurrencyPerWorker: CONCURRENCY,
    raw_pg_boss: {
      seconds: +rawSeconds.toFixed(2),
      jobsPerSecond: Math.round(RUNS / rawSeconds),
      pickupMs: { p50: Math.round(percentile(rawLatency, 50)), p99: Math.round(percentile(rawLatency, 99)) },
    },
    sluice: {
      seconds: +sluiceSeconds.toFixed(2),
      enqueueSeconds: +enqueueSeconds.toFixed(2),
      runsPerSecond: Math.round(RUNS / sluiceSeconds),
      failedRuns: failed,
      pickupMs: {
        p50: Math.round(percentile(sluiceLatency, 50)),
        p99: Math.round(percentile(sluiceLatency, 99)),
      },
    },
    ratio_throughput_sluice_over_raw: +(rawSeconds / sluiceSeconds).toFixed(3),
    note: 'pickup = started - queued as each database recorded it; in the queue, pickup of the 1000th job includes waiting behind 999 others, so p99 mostly measures backlog, not polling',
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  await rm(work, { recursive: true, force: true });
}

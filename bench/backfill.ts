// bench:backfill — 52 weekly partitions × 20 keys (1,040) read from a local HTTP server, 4 at a time, on
// PostgreSQL: a plain 4-way loop of `sluice.run(pipeline, { partition })` beside a backfill of the same
// partitions (request + pg-boss queue + pump + 4 backfill worker slots, all in this process, as
// `sluice backfill <pipeline> --concurrency 4` runs it), with 1,000 records per partition and with none
// (the orchestration overhead). Each variant gets a fresh database. Prints a table and one JSON document.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createLogger } from '../src/adapters/log/logger.ts';
import { backfillPumpSettings, startBackfillPump } from '../src/adapters/queue/backfill-pump.ts';
import { startRunQueue } from '../src/adapters/queue/run-queue.ts';
import { startWorkers } from '../src/adapters/queue/run-worker.ts';
import { planBackfill } from '../src/domain/backfill.ts';
import { openSluice, type Sluice } from '../src/main.ts';

const WEEKS = Number(process.env.BENCH_WEEKS ?? 52);
const KEYS = 20;
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1000);
const CONCURRENCY = 4;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const FROM = '2024-01-01';
const TO = new Date(Date.UTC(2024, 0, 1 + WEEKS * 7 - 1)).toISOString().slice(0, 10);
const SITES = Array.from({ length: KEYS }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(root, 'bench', 'out', 'backfill');
const adminUrl = process.env.SLUICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** `RECORDS` readings 10 minutes apart from the week's Monday, or none on /empty. */
function startSource(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://bench');
    const [, kind, site = ''] = url.pathname.split('/');
    const start = Date.parse(`${url.searchParams.get('from')}T00:00:00Z`);
    const salt = site.charCodeAt(2);
    let body = '[';
    if (kind === 'obs') {
      for (let i = 0; i < RECORDS; i++) {
        const t = new Date(start + i * 600_000).toISOString();
        body += `${i === 0 ? '' : ','}{"t":"${t}","v":${((i * 7919 + salt * 104_729) % 4000) / 100}}`;
      }
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(`${body}]`);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

const config = (url: string) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const readings = dataset('bench_readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), temperature_c: z.coerce.number() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
});
const partitions = {
  time: { every: 'weekly', start: '${FROM}' },
  keys: { name: 'site', values: ${JSON.stringify(SITES)} },
};
const transform = (record, { params }) => ({ station: params.site, observed_at: record.t, temperature_c: record.v });
export default defineConfig({
  datasets: [readings],
  pipelines: [
    pipeline('full', { source: http({ url: '${url}/obs/{{site}}?from={{start_date}}', name: 'full' }), into: readings, partitions, transform }),
    pipeline('empty', { source: http({ url: '${url}/empty/{{site}}?from={{start_date}}', name: 'empty' }), into: readings, partitions, transform }),
  ],
});
`;

async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `sluice_bench_bf_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function open(url: string): Promise<Sluice> {
  return openSluice({ cwd: work, databaseUrl: url, logger: createLogger({ level: 'warn' }) });
}

async function storedRecords(sluice: Sluice): Promise<number> {
  const { rows } = await sluice.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM public.bench_readings',
  );
  return rows[0]?.n ?? 0;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Busy and total jiffies of all cores, from /proc/stat (Linux only). */
async function machineTicks(): Promise<{ busy: number; total: number } | undefined> {
  const text = await readFile('/proc/stat', 'utf8').catch(() => undefined);
  const fields = text?.split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number);
  if (!fields || fields.length < 5) return undefined;
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** Wall time, this process's CPU and the machine's CPU over `fn`. */
async function clocked<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; seconds: number; nodeCpu: number; machineCpu: number | undefined }> {
  const ticks = await machineTicks();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await fn();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const after = await machineTicks();
  const machineCpu =
    ticks && after ? (after.busy - ticks.busy) / Math.max(1, after.total - ticks.total) : undefined;
  return { value, seconds, nodeCpu: (used.user + used.system) / 1e6 / seconds, machineCpu };
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

interface Measured {
  seconds: number;
  /** This process's CPU time over wall time (1 = one core busy). */
  nodeCpu: number;
  /** The machine's busy share of all its cores over the variant (/proc/stat), when available. */
  machineCpu: number | undefined;
  records: number;
  /** Busy share of the 4 slots: summed run durations over 4 × wall time. */
  runUtilisation: number;
  profile?: Record<string, { mean: number; p50: number; p99: number }>;
}

async function runUtilisation(sluice: Sluice, seconds: number): Promise<number> {
  const { rows } = await sluice.db.query<{ ms: number }>(
    `SELECT coalesce(sum(extract(epoch FROM finished_at - started_at) * 1000), 0)::float8 AS ms FROM sluice.runs`,
  );
  return (rows[0]?.ms ?? 0) / 1000 / (CONCURRENCY * seconds);
}

/** (a)/(c): every partition through `sluice.run`, four at a time. */
async function plainLoop(pipeline: string, partitions: readonly string[]): Promise<Measured> {
  return withDatabase(async (url) => {
    const sluice = await open(url);
    try {
      let next = 0;
      const { seconds, nodeCpu, machineCpu } = await clocked(() =>
        Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next < partitions.length) {
              const partition = partitions[next++] as string;
              const report = await sluice.run(pipeline, { partition, trigger: 'bench' });
              if (report.status !== 'succeeded') throw new Error(`${partition}: ${report.status}`);
            }
          }),
        ),
      );
      return {
        seconds,
        nodeCpu,
        machineCpu,
        records: await storedRecords(sluice),
        runUtilisation: await runUtilisation(sluice, seconds),
      };
    } finally {
      await sluice.close();
    }
  });
}

/**
 * (b)/(d): a backfill worked on in this process. The queue starts before the clock (as the database
 * does for the loop); the clock runs from the request to the backfill's `completed`.
 */
async function backfill(pipeline: string): Promise<Measured> {
  return withDatabase(async (url) => {
    const sluice = await open(url);
    const queue = await startRunQueue(sluice.db, { databaseUrl: url, logger: sluice.logger });
    const pump = startBackfillPump(sluice, queue, backfillPumpSettings(sluice.settings));
    const workers = await startWorkers(sluice.app, queue, {
      runs: 0,
      backfill: CONCURRENCY,
      afterBackfillPartition: pump.pump,
    });
    const watcher = new pg.Client({ connectionString: url });
    await watcher.connect();
    try {
      const {
        value: created,
        seconds,
        nodeCpu,
        machineCpu,
      } = await clocked(async () => {
        const created = await sluice.app.backfills.request({
          pipeline,
          from: FROM,
          to: TO,
          concurrency: CONCURRENCY,
          createdBy: 'bench',
        });
        // Woken at once, as `sluice backfill` and the API do; `--detach` waits for the next pump tick.
        void pump.pump();
        let status = created.status;
        while (status === 'active') {
          await sleep(10);
          const { rows } = await watcher.query('SELECT status FROM sluice.backfills WHERE id = $1', [
            created.id,
          ]);
          status = rows[0].status;
        }
        if (status !== 'completed') throw new Error(`backfill ended ${status}`);
        return created;
      });
      return {
        seconds,
        nodeCpu,
        machineCpu,
        records: await storedRecords(sluice),
        runUtilisation: await runUtilisation(sluice, seconds),
        profile: await backfillProfile(sluice, created.id),
      };
    } finally {
      pump.stop();
      await workers.stop(0);
      await watcher.end();
      await sluice.close();
    }
  });
}

/**
 * Where a partition's time goes, per partition in ms, from the timestamps the stores keep (each is
 * its transaction's start): dispatch → job fetched → run running → run finished → partition settled
 * → job completed (the handler awaits the next pump pass) → the next partition dispatched.
 */
async function backfillProfile(sluice: Sluice, id: string): Promise<Measured['profile']> {
  const { rows } = await sluice.db.query<Record<string, number>>(
    `SELECT extract(epoch FROM j.started_on - bp.started_at) * 1000 AS dispatch_to_fetch,
            extract(epoch FROM r.started_at - j.started_on) * 1000 AS fetch_to_run_start,
            extract(epoch FROM r.finished_at - r.started_at) * 1000 AS run,
            extract(epoch FROM bp.finished_at - r.finished_at) * 1000 AS run_end_to_settled,
            extract(epoch FROM j.completed_on - bp.finished_at) * 1000 AS settled_to_job_completed,
            extract(epoch FROM j.completed_on - j.started_on) * 1000 AS slot_busy
       FROM sluice.backfill_partitions bp
       JOIN pgboss.job j ON j.name = 'sluice-backfill' AND j.id = bp.job_id
       JOIN sluice.runs r ON r.id = bp.run_id
      WHERE bp.backfill_id = $1`,
    [id],
  );
  // A slot is free once its partition settles; the next dispatch fills it.
  const { rows: gaps } = await sluice.db.query<{ ms: number }>(
    `WITH ordered AS (
       SELECT started_at, finished_at, row_number() OVER (ORDER BY started_at, ordinal) AS n
         FROM sluice.backfill_partitions WHERE backfill_id = $1),
     settled AS (SELECT finished_at, row_number() OVER (ORDER BY finished_at) AS n FROM ordered)
     SELECT extract(epoch FROM o.started_at - s.finished_at) * 1000 AS ms
       FROM ordered o JOIN settled s ON s.n = o.n - $2`,
    [id, CONCURRENCY],
  );
  const profile: NonNullable<Measured['profile']> = {};
  const columns = Object.keys(rows[0] ?? {});
  const stats = (values: number[]) => ({
    mean: +mean(values).toFixed(1),
    p50: +percentile(values, 50).toFixed(1),
    p99: +percentile(values, 99).toFixed(1),
  });
  for (const column of columns) profile[column] = stats(rows.map((row) => Number(row[column])));
  profile.settled_to_next_dispatch = stats(gaps.map((row) => Number(row.ms)));
  return profile;
}

const source = await startSource();
try {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await writeFile(join(work, 'sluice.config.ts'), config(source.url));
  const partitions = await withDatabase(async (url) => {
    const sluice = await open(url);
    try {
      const definition = sluice.pipeline('full');
      if (!definition.partitioning) throw new Error('bench pipeline without partitions');
      const plan = planBackfill(definition.partitioning, {
        from: FROM,
        to: TO,
        keySets: await sluice.keySets(definition),
      });
      return plan.partitions.map((partition) => partition.partitionKey);
    } finally {
      await sluice.close();
    }
  });
  // Warm-up (not reported): JIT, config and connection paths, on the first two weeks.
  const warm = partitions.slice(0, 2 * KEYS);
  await plainLoop('full', warm);
  await plainLoop('empty', warm);

  const variants: ReadonlyArray<{ key: string; label: string; run: () => Promise<Measured> }> = [
    { key: 'a', label: 'a plain loop, 1,000 records', run: () => plainLoop('full', partitions) },
    { key: 'b', label: 'b backfill, 1,000 records', run: () => backfill('full') },
    { key: 'c', label: 'c plain loop, empty source', run: () => plainLoop('empty', partitions) },
    { key: 'd', label: 'd backfill, empty source', run: () => backfill('empty') },
  ];
  const n = partitions.length;
  const results = new Map<string, Measured[]>(variants.map((variant) => [variant.key, []]));
  // Rounds interleave the variants, so that a noisy moment on the machine hits all of them alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of variants) {
      const measured = await variant.run();
      // The full source writes every record once; the empty one writes nothing.
      const expected = variant.key === 'a' || variant.key === 'b' ? n * RECORDS : 0;
      if (measured.records !== expected) {
        throw new Error(`${variant.label}: ${measured.records} records, expected ${expected}`);
      }
      results.get(variant.key)?.push(measured);
    }
  }
  const median = (values: number[]) => percentile(values, 50);
  const runsOf = (key: string) => results.get(key) ?? [];
  const typical = (key: string): Measured => {
    const runs = runsOf(key);
    const middle = median(runs.map((m) => m.seconds));
    return runs.find((m) => m.seconds === middle) as Measured;
  };
  const perRound = (fn: (round: number) => number) => median(Array.from({ length: ROUNDS }, (_, r) => fn(r)));
  const seconds = (key: string, round: number) => runsOf(key)[round]?.seconds ?? Number.NaN;
  const ms = (s: number) => (s * 1000) / n;
  const overheadMs = perRound((r) => ms(seconds('d', r) - seconds('c', r)));
  const ratio = perRound((r) => seconds('b', r) / seconds('a', r));
  const row = (label: string, key: string) => {
    const m = typical(key);
    const all = runsOf(key).map((run) => run.seconds);
    const spread = ROUNDS > 1 ? ` (${Math.min(...all).toFixed(1)}–${Math.max(...all).toFixed(1)})` : '';
    const rate = m.records === 0 ? '–' : Math.round(m.records / m.seconds).toLocaleString('en-US');
    const machine = m.machineCpu === undefined ? '–' : `${(m.machineCpu * 100).toFixed(0)}%`;
    return `| ${label.padEnd(30)} | ${`${m.seconds.toFixed(2)}${spread}`.padStart(18)} | ${ms(m.seconds)
      .toFixed(2)
      .padStart(12)} | ${rate.padStart(9)} | ${`${(m.runUtilisation * 100).toFixed(0)}%`.padStart(9)} | ${`${(
      m.nodeCpu * 100
    ).toFixed(0)}%`.padStart(8)} | ${machine.padStart(11)} |`;
  };
  const lines = [
    `bench:backfill — ${n} partitions (${WEEKS} weeks × ${KEYS} keys), ${RECORDS} records each, concurrency ${CONCURRENCY}, ` +
      `${ROUNDS} round${ROUNDS > 1 ? 's (median, min–max)' : ''}, PostgreSQL ${adminUrl.replace(/\/\/[^@]*@/, '//')}`,
    '',
    '| variant                        |            seconds | ms/partition | records/s | runs busy | node CPU | machine CPU |',
    '| ------------------------------ | ------------------ | ------------ | --------- | --------- | -------- | ----------- |',
    ...variants.map((variant) => row(variant.label, variant.key)),
    '',
    `overhead per partition (d − c)/${n}: ${overheadMs.toFixed(2)} ms (target ≤ 10 ms) → ${overheadMs <= 10 ? 'met' : 'NOT met'}`,
    `backfill alone, empty source d/${n}: ${ms(typical('d').seconds).toFixed(2)} ms per partition`,
    `b/a: ${ratio.toFixed(3)} (target ≤ 1.25) → ${ratio <= 1.25 ? 'met' : 'NOT met'}`,
    '',
    'runs busy: summed run durations / (4 slots × wall); machine CPU: all cores busy over the variant (/proc/stat)',
    'reproduce: npm run bench:backfill   (BENCH_ROUNDS, BENCH_WEEKS, BENCH_RECORDS, SLUICE_BENCH_PG_URL)',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  const result = {
    partitions: n,
    recordsPerPartition: RECORDS,
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
    seconds: Object.fromEntries(
      variants.map((v) => [v.key, runsOf(v.key).map((m) => +m.seconds.toFixed(2))]),
    ),
    recordsPerSecond: {
      a: Math.round((n * RECORDS) / typical('a').seconds),
      b: Math.round((n * RECORDS) / typical('b').seconds),
    },
    overheadMsPerPartition: +overheadMs.toFixed(2),
    backfillEmptyMsPerPartition: +ms(typical('d').seconds).toFixed(2),
    ratio_b_over_a: +ratio.toFixed(3),
    targets: { overhead_at_most_10ms: overheadMs <= 10, b_over_a_at_most_1_25: ratio <= 1.25 },
    profileMsPerPartition: Object.fromEntries(
      variants.filter((v) => !['a', 'c'].includes(v.key)).map((v) => [v.key, typical(v.key).profile]),
    ),
    note: 'backfill variants run queue, pump and backfill worker slots in this process (pump settings from SLUICE_BACKFILL_* as `sluice worker` reads them); wall times from the request to `completed`; medians over rounds, ratios per round',
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await source.close();
  if (!process.env.BENCH_KEEP) await rm(work, { recursive: true, force: true });
}

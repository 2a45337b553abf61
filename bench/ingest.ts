// bench:ingest — 1,000,000 narrow CSV records: raw COPY vs `sluice run` (new data, then unchanged data).
// Needs PostgreSQL: DATABASE_URL, or SLUICE_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres),
// where it creates and drops its own database. Prints one JSON document.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const SERIES = 1000;
const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(root, 'bench', 'out', 'ingest');
const adminUrl = process.env.SLUICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function generateCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  const start = Date.UTC(2020, 0, 1);
  const write = (text: string) =>
    out.write(text) ? undefined : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await write('series,ts,v1,v2,v3,v4,v5\n');
  let chunk = '';
  for (let i = 0; i < RECORDS; i++) {
    const series = `sensor_${String(i % SERIES).padStart(4, '0')}`;
    const ts = new Date(start + Math.floor(i / SERIES) * 60_000).toISOString();
    const v = (k: number) => ((i * 7919 + k * 104_729) % 100_000) / 100;
    chunk += `${series},${ts},${v(1)},${v(2)},${v(3)},${v(4)},${v(5)}\n`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

const CONFIG = `import { dataset, defineConfig, files, pipeline, z } from 'sluice';
const readings = dataset('bench_readings', {
  schema: z.object({
    series: z.string(),
    ts: z.iso.datetime(),
    v1: z.coerce.number(), v2: z.coerce.number(), v3: z.coerce.number(), v4: z.coerce.number(), v5: z.coerce.number(),
  }),
  key: ['series', 'ts'],
  time: 'ts',
  write: 'merge',
});
export default defineConfig({
  datasets: [readings],
  pipelines: [pipeline('bench_csv', { source: files({ dir: '.', glob: 'records.csv' }), into: readings })],
});
`;

async function rawCopy(url: string, csvPath: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // The same table sluice creates: typed columns, system columns, primary key and time index.
  await client.query(`CREATE TABLE raw_copy (
      series text NOT NULL, ts timestamptz NOT NULL,
      v1 double precision NOT NULL, v2 double precision NOT NULL, v3 double precision NOT NULL,
      v4 double precision NOT NULL, v5 double precision NOT NULL,
      _run_id text, _provider text, _first_seen_at timestamptz NOT NULL DEFAULT now(),
      _last_changed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (series, ts));
    CREATE INDEX raw_copy_time_idx ON raw_copy (ts);`);
  const started = performance.now();
  await pipeline(
    createReadStream(csvPath),
    client.query(
      copyFrom('COPY raw_copy (series, ts, v1, v2, v3, v4, v5) FROM STDIN WITH (FORMAT csv, HEADER true)'),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return seconds;
}

interface CliRun {
  seconds: number;
  report: {
    status: string;
    counts: Record<string, number>;
    timings: { durationMs: number; writeMs: number };
  };
  peakRssMb: number;
}

function sluiceRun(configPath: string, url: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [
        join(root, 'bench', 'measure-rss.ts'),
        join(root, 'bin', 'sluice.js'),
        'run',
        'bench_csv',
        '--json',
        '--config',
        configPath,
      ],
      { env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const lines = out.trim().split('\n');
      const rss = JSON.parse(lines.pop() ?? '{}') as { peakRssMb: number; exitCode: number };
      if (rss.exitCode !== 0 || code !== 0)
        return reject(new Error(`sluice run exited ${rss.exitCode}: ${out}`));
      resolve({ seconds, report: JSON.parse(lines.join('\n')), peakRssMb: rss.peakRssMb });
    });
  });
}

const dbName = `sluice_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
try {
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const csvPath = join(work, 'records.csv');
  await generateCsv(csvPath);
  const configPath = join(work, 'sluice.config.ts');
  await writeFile(configPath, CONFIG);

  const copySeconds = await rawCopy(url.toString(), csvPath);
  const first = await sluiceRun(configPath, url.toString());
  const second = await sluiceRun(configPath, url.toString());
  const rate = (seconds: number) => Math.round(RECORDS / seconds);
  const result = {
    records: RECORDS,
    database: 'PostgreSQL (local server)',
    a_raw_copy: { seconds: +copySeconds.toFixed(2), recordsPerSecond: rate(copySeconds) },
    b_sluice_run_new: {
      seconds: +first.seconds.toFixed(2),
      recordsPerSecond: rate(first.seconds),
      counts: first.report.counts,
      peakRssMb: first.peakRssMb,
    },
    c_sluice_run_unchanged: {
      seconds: +second.seconds.toFixed(2),
      recordsPerSecond: rate(second.seconds),
      counts: second.report.counts,
      peakRssMb: second.peakRssMb,
    },
    ratios: {
      b_over_a: +(copySeconds / first.seconds).toFixed(3),
      c_over_a: +(copySeconds / second.seconds).toFixed(3),
    },
    targets: {
      b_over_a_at_least_0_5: copySeconds / first.seconds >= 0.5,
      c_over_a_at_least_0_75: copySeconds / second.seconds >= 0.75,
      c_updated_zero: second.report.counts.updated === 0,
      peak_rss_under_300mb: Math.max(first.peakRssMb, second.peakRssMb) < 300,
    },
    note: 'wall times; sluice runs are whole `sluice run` processes (startup, config load, migrations included)',
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  if (!process.env.BENCH_KEEP) await rm(work, { recursive: true, force: true });
}

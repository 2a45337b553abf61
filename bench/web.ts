// bench:web — the dashboard's performance bar (issue 13): the initial JS it loads, gzipped; the
// overview becoming interactive over 10,000 freshness series and 100,000 runs; a 52 × 20 backfill
// grid redrawn live at ~10 partitions/s (long frames); and the p99 of the pages' GET requests while
// that backfill changes. A real `sluice serve` on its own PostgreSQL database, Debian's chromium.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { runCli } from '../test/support/cli.ts';
import { openBrowser } from '../test/web/browser.ts';
import { ensureDashboardBuilt, startServer } from '../test/web/serve.ts';

const USAGE = `npm run bench:web -- [--runs 7] [--requests 200] [--pg-url postgres://postgres@127.0.0.1:5432/postgres]
  --runs      overview page loads measured (after one warm-up load)
  --requests  GET requests per API route while the backfill changes
Builds web/dist first if it is missing (node scripts/build.ts --web rebuilds it).`;

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    runs: { type: 'string', default: '7' },
    requests: { type: 'string', default: '200' },
    'pg-url': {
      type: 'string',
      default: process.env.SLUICE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
    help: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const requestsPerRoute = Number(values.requests);
if (
  values.help ||
  !Number.isInteger(runs) ||
  runs < 1 ||
  !Number.isInteger(requestsPerRoute) ||
  requestsPerRoute < 1
) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(values.help ? 0 : 2);
}

const SERIES = 10_000;
const RUNS = 100_000;
const SITES = Array.from({ length: 20 }, (_, index) => `site${String(index + 1).padStart(2, '0')}`);
const GRID_FROM = '2024-12-30';
const GRID_TO = '2025-12-28';
/** Partition changes per second the grid is driven at, and for how long at least. */
const RATE = 10;
const DRIVE_MIN_MS = 20_000;
const DIST = fileURLToPath(new URL('../web/dist/', import.meta.url));

function median(sorted: number[]): number {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const round = (value: number) => Math.round(value * 10) / 10;
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** 1. The scripts index.html makes the browser fetch before first render: entry and modulepreloads. */
function initialScripts(): {
  files: Array<{ file: string; bytes: number; gzipBytes: number }>;
  gzipBytes: number;
} {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const sources = [
    ...html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g),
    ...html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g),
  ].map((match) => match[1] ?? '');
  const files = [...new Set(sources)].map((source) => {
    const body = readFileSync(join(DIST, source.replace(/^\//, '')));
    return { file: source, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
  });
  return { files, gzipBytes: files.reduce((sum, file) => sum + file.gzipBytes, 0) };
}

/** The backfill's upstream: holds every request until the end, so the one dispatched partition stays running. */
function startHeldUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const held: ServerResponse[] = [];
  const server = createServer((_request, response) => {
    held.push(response);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => {
          for (const response of held.splice(0)) {
            response.writeHead(200, { 'content-type': 'application/json' }).end('[]');
          }
          return new Promise<void>((done) => server.close(() => done()));
        },
      });
    });
  });
}

const config = (upstream: string) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), temperature_c: z.coerce.number() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
  freshness: { maxAge: '2h', series: ['station'] },
});
export default defineConfig({
  datasets: [readings],
  pipelines: [
    pipeline('weekly_many', {
      source: http({ url: '${upstream}/obs/{{site}}?from={{start_date}}', name: 'many' }),
      into: readings,
      partitions: {
        time: { every: 'weekly', start: '${GRID_FROM}' },
        keys: { name: 'site', values: ${JSON.stringify(SITES)} },
      },
      transform: (record, { params }) => ({ station: params.site, observed_at: record.t, temperature_c: record.v }),
    }),
  ],
});
`;

/**
 * 10,000 series (half of them stale: newest record up to 4 h old against a 2 h max age), one
 * record each in the dataset table, and 100,000 runs over 30 days, a fifth failed or partial.
 * The monitor's status is set as it would find it, so serve publishes no transition storm.
 */
async function seed(db: pg.Client): Promise<void> {
  const table = await db.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_name = 'readings' AND table_schema NOT IN ('sluice', 'information_schema') LIMIT 1`,
  );
  const readings = table.rows[0];
  if (!readings) throw new Error('serve created no readings table: nothing to seed the series into');
  await db.query(
    `INSERT INTO "${readings.schema}"."${readings.name}" (station, observed_at, temperature_c)
       SELECT 's' || lpad(i::text, 5, '0'), now() - (i % 240) * interval '1 minute', (i % 30) - 5
         FROM generate_series(1, ${SERIES}) i`,
  );
  await db.query(
    `INSERT INTO sluice.freshness_series (dataset, series, last_time, provider, status, status_changed_at)
     SELECT 'readings', jsonb_build_object('station', 's' || lpad(i::text, 5, '0')), t, 'many',
            CASE WHEN t < now() - interval '2 hours' THEN 'stale' ELSE 'fresh' END, now()
       FROM generate_series(1, ${SERIES}) i, LATERAL (SELECT now() - (i % 240) * interval '1 minute' AS t) x`,
  );
  // Seeding through the insert trigger would publish 100,000 run events the page then replays.
  await db.query('ALTER TABLE sluice.runs DISABLE TRIGGER runs_inserted_event');
  await db.query(
    `INSERT INTO sluice.runs (id, pipeline, dataset, status, trigger, queued_at, started_at, finished_at,
                              duration_ms, fetched, valid, inserted, rejected, provider)
     SELECT gen_random_uuid(), 'weekly_many', 'readings', (ARRAY['succeeded','succeeded','succeeded','partial','failed'])[1 + i % 5],
            'schedule', q, q + interval '1 second', q + interval '3 seconds', 2000, 100, 100 - (i % 5 / 3), 95, i % 5 / 3, 'many'
       FROM generate_series(1, ${RUNS}) i, LATERAL (SELECT now() - i * interval '26 seconds' AS q) x`,
  );
  await db.query('ALTER TABLE sluice.runs ENABLE TRIGGER runs_inserted_event');
  await db.query('ANALYZE');
}

/** What the overview shows once every card has its data (no loading line left). */
const OVERVIEW_READY = `(() => {
  const cards = document.querySelectorAll('section.card');
  if (cards.length < 5 || document.querySelector('.state-loading')) return false;
  if (!document.querySelector('[data-testid="dataset-totals"]')) return false;
  return performance.now();
})()`;

const OVERVIEW_DETAILS = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const api = performance.getEntriesByType('resource').filter((entry) => entry.name.includes('/api/') && !entry.name.includes('/api/events'));
  return {
    domContentLoadedMs: nav ? nav.domContentLoadedEventEnd : 0,
    slowestApi: api.map((entry) => ({ url: new URL(entry.name).pathname + new URL(entry.name).search.slice(0, 40), ms: entry.duration }))
      .sort((a, b) => b.ms - a.ms).slice(0, 3),
    staleRows: document.querySelectorAll('section.card table tbody tr').length,
  };
})()`;

/** Every animation frame's interval, and the long frames/tasks the browser itself reports. */
const WATCH_FRAMES = `(() => {
  const watch = { frames: [], long: [], stop: false };
  globalThis.__watch = watch;
  let last = performance.now();
  const tick = (now) => { watch.frames.push(now - last); last = now; if (!watch.stop) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  for (const type of ['long-animation-frame', 'longtask']) {
    try {
      new PerformanceObserver((list) => { for (const entry of list.getEntries()) watch.long.push({
          type,
          ms: entry.duration,
          // Where a long animation frame went: its scripts, and style + layout after them.
          layoutMs: entry.styleAndLayoutStart ? entry.startTime + entry.duration - entry.styleAndLayoutStart : undefined,
          scripts: (entry.scripts ?? []).map((script) => ({ invoker: script.invoker, ms: Math.round(script.duration) })),
        }); })
        .observe({ type, buffered: false });
    } catch {}
  }
  return true;
})()`;

const STOP_FRAMES = `(() => { const watch = globalThis.__watch; watch.stop = true; return { frames: watch.frames, long: watch.long }; })()`;

const GRID_CELLS = `document.querySelectorAll('[data-testid="partition-grid"] td[data-state]').length`;
const GRID_SUCCEEDED = `document.querySelectorAll('[data-testid="partition-grid"] td[data-state="succeeded"]').length`;

/**
 * Resolves with the expression's first truthy value, checked every animation frame. Polled inside one
 * evaluate: the page's CSP (no 'unsafe-eval') refuses the string waitForFunction evaluates.
 */
async function waitInPage(page: Page, expression: string, timeoutMs: number): Promise<unknown> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const until = performance.now() + ${timeoutMs};
    const check = () => {
      const value = ${expression};
      if (value) resolve(value);
      else if (performance.now() > until) reject(new Error('timed out waiting for ' + ${JSON.stringify(JSON.stringify(expression.slice(0, 80)))}));
      else requestAnimationFrame(check);
    };
    check();
  })`);
}

const loadBefore = load();
process.stderr.write(`bench:web — load average ${loadBefore}\n`);
await ensureDashboardBuilt();
const bundle = initialScripts();

const admin = new pg.Client({ connectionString: values['pg-url'] });
await admin.connect();
const name = `sluice_bench_web_${randomBytes(4).toString('hex')}`;
await admin.query(`CREATE DATABASE ${name}`);
const databaseUrl = new URL(values['pg-url']);
databaseUrl.pathname = `/${name}`;
const env = { DATABASE_URL: databaseUrl.toString() };
const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-web-'));
const upstream = await startHeldUpstream();
const db = new pg.Client({ connectionString: env.DATABASE_URL });
let stopServer: (() => Promise<void>) | undefined;
let closeBrowser: (() => Promise<void>) | undefined;

try {
  await writeFile(join(dir, 'sluice.config.ts'), config(upstream.url));
  const created = await runCli(['tokens', 'create', '--name', 'bench', '--role', 'admin', '--json'], {
    cwd: dir,
    env,
  });
  if (created.code !== 0) throw new Error(`sluice tokens create: ${created.stderr}`);
  const token = JSON.parse(created.stdout).token as string;
  const server = await startServer(dir, env);
  stopServer = () => server.stop();
  await db.connect();
  const seedStarted = performance.now();
  await seed(db);
  const seedMs = performance.now() - seedStarted;
  process.stderr.write(`seeded ${SERIES} series and ${RUNS} runs in ${(seedMs / 1000).toFixed(1)} s\n`);

  const api = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text;
  };

  const browser = await openBrowser();
  closeBrowser = () => browser.close();
  const { page } = browser;
  await page.goto(`${server.url}/?code=${server.code}`);
  await page.getByTestId('principal').waitFor();

  // 2. Overview: a warm-up load, then `runs` loads from navigation start to every card rendered.
  const overviewMs: number[] = [];
  let details: unknown;
  for (let i = 0; i <= runs; i++) {
    await page.goto(`${server.url}/`, { waitUntil: 'commit' });
    const ms = Number(await waitInPage(page, OVERVIEW_READY, 60_000));
    if (i > 0) overviewMs.push(ms);
    details = await page.evaluate(OVERVIEW_DETAILS);
  }
  overviewMs.sort((a, b) => a - b);

  // 3 + 4. A 52 × 20 backfill, paused after its first partition was dispatched (held upstream), its
  // partitions then turned succeeded by SQL at RATE/s, each with its run: the same backfill:progress
  // and run:succeeded events a live backfill publishes, at a known rate, while the API is measured.
  const started = JSON.parse(
    await api('POST', '/api/backfills', {
      pipeline: 'weekly_many',
      from: GRID_FROM,
      to: GRID_TO,
      concurrency: 1,
    }),
  ) as { backfill: { id: string; total: number } };
  const backfill = started.backfill;
  await api('POST', `/api/backfills/${backfill.id}/pause`);
  await page.goto(`${server.url}/backfills/${backfill.id}`);
  await waitInPage(page, `${GRID_CELLS} >= ${backfill.total}`, 60_000);
  await page.evaluate(WATCH_FRAMES);

  const routes = [
    '/api/freshness?limit=50',
    '/api/stats?days=7',
    '/api/stats?days=30',
    `/api/runs?${new URLSearchParams({ status: 'failed', from: new Date(Date.now() - 86_400_000).toISOString(), limit: '20' })}`,
    '/api/runs?limit=25',
    '/api/backfills?status=active',
    '/api/backfills?limit=100',
    `/api/backfills/${backfill.id}`,
    '/api/pipelines',
  ];
  let driving = true;
  let changed = 0;
  const driver = (async () => {
    const pending = await db.query<{ ordinal: number; partition_key: string }>(
      `SELECT ordinal, partition_key FROM sluice.backfill_partitions WHERE backfill_id = $1 AND status = 'pending' ORDER BY ordinal`,
      [backfill.id],
    );
    const begin = performance.now();
    for (const partition of pending.rows) {
      if (!driving && performance.now() - begin >= DRIVE_MIN_MS) break;
      await db.query(
        `WITH run AS (
           INSERT INTO sluice.runs (id, pipeline, dataset, status, trigger, queued_at, started_at, finished_at, duration_ms, partition_key)
           VALUES (gen_random_uuid(), 'weekly_many', 'readings', 'succeeded', 'backfill:' || $1::text, now(), now(), now(), 5, $3)
           RETURNING id)
         UPDATE sluice.backfill_partitions SET status = 'succeeded', attempts = 1, run_id = (SELECT id FROM run),
                started_at = now(), finished_at = now()
          WHERE backfill_id = $1::uuid AND ordinal = $2`,
        [backfill.id, partition.ordinal, partition.partition_key],
      );
      changed++;
      const due = begin + (changed * 1000) / RATE;
      await sleep(Math.max(0, due - performance.now()));
    }
    return (performance.now() - begin) / 1000;
  })();

  const latencies = new Map<string, number[]>(routes.map((route) => [route, []]));
  for (let i = 0; i < requestsPerRoute; i++) {
    for (const route of routes) {
      const begin = performance.now();
      await api('GET', route);
      latencies.get(route)?.push(performance.now() - begin);
    }
  }
  driving = false;
  const driveSeconds = await driver;
  await waitInPage(page, `${GRID_SUCCEEDED} >= ${changed}`, 30_000);
  const watched = (await page.evaluate(STOP_FRAMES)) as {
    frames: number[];
    long: Array<{
      type: string;
      ms: number;
      layoutMs?: number;
      scripts?: Array<{ invoker: string; ms: number }>;
    }>;
  };
  // The three longest animation frames, with what ran in them.
  const longestFrames = watched.long
    .filter((entry) => entry.type === 'long-animation-frame')
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map((entry) => ({
      ms: round(entry.ms),
      layoutMs: round(entry.layoutMs ?? 0),
      scripts: entry.scripts ?? [],
    }));
  const frames = [...watched.frames].sort((a, b) => a - b);
  const longFrames = watched.long
    .filter((entry) => entry.type === 'long-animation-frame')
    .map((entry) => entry.ms);
  const longTasks = watched.long.filter((entry) => entry.type === 'longtask').map((entry) => entry.ms);
  const loadDuring = load();

  const apiRows = routes.map((route) => {
    const sorted = (latencies.get(route) ?? []).sort((a, b) => a - b);
    return {
      route: route.replace(backfill.id, ':id').replace(/from=[^&]+/, 'from=…'),
      requests: sorted.length,
      minMs: round(sorted[0] ?? 0),
      medianMs: round(median(sorted)),
      p99Ms: round(percentile(sorted, 99)),
      maxMs: round(sorted.at(-1) ?? 0),
    };
  });
  const worstP99 = Math.max(...apiRows.map((row) => row.p99Ms));
  const overviewMedian = median(overviewMs);
  const longest = frames.at(-1) ?? 0;
  const over50 = frames.filter((ms) => ms > 50).length;
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

  const lines = [
    `1. initial JS, gzipped (level 9): ${(bundle.gzipBytes / 1024).toFixed(1)} KB in ${bundle.files.length} files — target ≤ 250 KB: ${verdict(bundle.gzipBytes <= 250 * 1024)}`,
    ...bundle.files.map(
      (file) =>
        `     ${file.file}: ${(file.bytes / 1024).toFixed(1)} KB, ${(file.gzipBytes / 1024).toFixed(1)} KB gzipped`,
    ),
    `2. overview interactive (navigation start → every card rendered), ${SERIES} series, ${RUNS} runs, ${runs} loads:`,
    `     min ${round(overviewMs[0] ?? 0)} / median ${round(overviewMedian)} / max ${round(overviewMs.at(-1) ?? 0)} ms — target ≤ 1000 ms: ${verdict(overviewMedian <= 1000)}`,
    `     last load: ${JSON.stringify(details)}`,
    `3. 52 × 20 grid (${backfill.total} partitions), ${changed} changed in ${driveSeconds.toFixed(1)} s (${(changed / driveSeconds).toFixed(1)}/s):`,
    `     ${frames.length} frames, median ${round(median(frames))} ms, longest ${round(longest)} ms, ${over50} over 50 ms;`,
    `     long-animation-frame entries: ${longFrames.length} (longest ${round(Math.max(0, ...longFrames))} ms), longtask entries: ${longTasks.length} (longest ${round(Math.max(0, ...longTasks))} ms) — target no dropped frames: ${verdict(over50 === 0)}`,
    `     longest animation frames: ${longestFrames
      .map(
        (frame) =>
          `${frame.ms} ms (scripts ${frame.scripts.reduce((sum, script) => sum + script.ms, 0)} ms, style + layout ${frame.layoutMs} ms)`,
      )
      .join('; ')}`,
    `4. API while the backfill changes, ${requestsPerRoute} GETs per route, one at a time, bearer token:`,
    ...apiRows.map(
      (row) =>
        `     ${row.route.padEnd(42)} min ${row.minMs} / median ${row.medianMs} / p99 ${row.p99Ms} / max ${row.maxMs} ms`,
    ),
    `     worst p99 ${worstP99} ms — target ≤ 50 ms: ${verdict(worstP99 <= 50)}`,
    `load average (1, 5, 15 min) at the start ${loadBefore}, after the grid ${loadDuring}; reproduce: npm run bench:web -- --runs ${runs} --requests ${requestsPerRoute}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write(
    `${JSON.stringify({
      initialJs: bundle,
      overview: { series: SERIES, runs: RUNS, ms: overviewMs.map(round), details },
      grid: {
        partitions: backfill.total,
        changed,
        seconds: round(driveSeconds),
        frames: frames.length,
        medianFrameMs: round(median(frames)),
        longestFrameMs: round(longest),
        framesOver50Ms: over50,
        longAnimationFrames: longFrames.map(round),
        longTasks: longTasks.map(round),
        longestFrames,
      },
      api: apiRows,
      loadAverage: { start: loadBefore, afterGrid: loadDuring },
    })}\n`,
  );
} finally {
  await closeBrowser?.();
  await upstream.close();
  await stopServer?.();
  await db.end().catch(() => {});
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  await rm(dir, { recursive: true, force: true });
}

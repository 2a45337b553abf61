// Hostile: `sluice run` SIGKILLed at a random point of a 30,000-row run (fetching, staging, in the
// middle of the merges of its two write lanes, or while it quarantines rejects and records its
// counts), over and over.
// Expected: after the sweep every run is terminal, no key is stored twice, and each run's
// inserted + updated equals the rows that carry its `_run_id`; the counters never lag the rows.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { openSluice } from '../../src/main.ts';
import { SLUICE_BIN } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { eventually } from '../support/eventually.ts';
import { startFixtureServer } from '../support/fixture-server.ts';
import { withInitProject } from '../support/project.ts';

const ROWS = 30_000;
/** Invalid records besides (under one quarantine batch): quarantined after the merges, before the counts are written. */
const REJECTS = 900;
/** Kills to attempt, within a time budget: the machine running the suite may be slow. */
const ITERATIONS = Number(process.env.SLUICE_TEST_KILL_ITERATIONS ?? 20);
const BUDGET_MS = 50_000;
const liveness = { SLUICE_RUN_HEARTBEAT_MS: '100', SLUICE_RUN_STALE_MS: '400' };

const config = (url: string) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const bulk = dataset('bulk_rows', {
  schema: z.object({ id: z.number().int(), day: z.iso.date(), v: z.number() }),
  key: ['id'],
  time: 'day',
});
export default defineConfig({
  datasets: [bulk],
  pipelines: [pipeline('bulk', {
    source: http({ url: '${url}/rows', records: 'rows.*', timeoutMs: 60000, name: 'bulk' }),
    into: bulk,
  })],
});
`;

const postgres = (await testBackends()).find((backend) => backend.kind === 'postgres')!;

describe('kill -9 mid-write on postgres', { skip: postgres.skip }, () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it(`${ITERATIONS} runs of ${ROWS} rows SIGKILLed at random points → terminal runs, no duplicates, counts = rows carrying the run id`, async () => {
    let version = 0;
    let arrived: () => void = () => {};
    const server = await startFixtureServer({
      '/rows': (_request, response) => {
        // Every request brings new values, so a later run updates what an earlier one wrote.
        version++;
        const rows = [
          ...Array.from({ length: ROWS }, (_, id) => ({ id, day: '2026-01-01', v: version * 100_000 + id })),
          ...Array.from({ length: REJECTS }, (_, id) => ({
            id: ROWS + id,
            day: '2026-01-01',
            v: 'not a number',
          })),
        ];
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ rows }));
        arrived();
      },
    });
    cleanups.push(() => server.close());
    const project = await withInitProject();
    cleanups.push(() => project.remove());
    await writeFile(join(project.dir, 'sluice.config.ts'), config(server.url));
    const database = await postgres.open();
    cleanups.push(() => database.close());
    const url = database.url as string;
    Object.assign(process.env, liveness);
    const sluice = await openSluice({
      cwd: project.dir,
      databaseUrl: url,
      logger: createLogger({ level: 'silent' }),
    });
    cleanups.push(() => sluice.close());

    /** Resolves once a merge of the running run has committed (rows carry its id) and it is still running. */
    const firstMergeCommitted = async (exited: Promise<unknown>) => {
      let done = false;
      void exited.then(() => {
        done = true;
      });
      while (!done) {
        const { rows } = await sluice.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM sluice.runs r
            WHERE r.status = 'running' AND EXISTS (SELECT 1 FROM public.bulk_rows b WHERE b._run_id = r.id)`,
        );
        if ((rows[0]?.n ?? 0) > 0) return;
      }
    };

    /**
     * Runs `sluice run bulk`, SIGKILLed `killAfterMs` after the upstream answered, or as soon as
     * one of its merges committed ('merged'), or never (undefined).
     */
    const runOnce = async (killAfterMs: number | 'merged' | undefined) => {
      const requested = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const child = spawn(process.execPath, [SLUICE_BIN, 'run', 'bulk'], {
        cwd: project.dir,
        env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent', ...liveness },
        stdio: 'ignore',
      });
      const exited = once(child, 'exit');
      await requested;
      const answeredAt = Date.now();
      if (killAfterMs !== undefined) {
        await Promise.race([
          killAfterMs === 'merged' ? firstMergeCommitted(exited) : sleep(killAfterMs),
          exited,
        ]);
        child.kill('SIGKILL');
      }
      await exited;
      return Date.now() - answeredAt;
    };

    const started = Date.now();
    // A whole run first: how long one takes after the upstream answered bounds the kill points.
    const fullMs = await runOnce(undefined);
    const seen: Record<string, number> = {};
    let iterations = 0;
    for (; iterations < ITERATIONS && Date.now() - started < BUDGET_MS; iterations++) {
      // Every other kill lands right after a lane's merge committed: the window where the counters lagged.
      await runOnce(iterations % 2 === 1 ? 'merged' : Math.floor(Math.random() * fullMs * 1.1));
      // The killed run's heartbeat goes stale; the sweep (what serve/worker or the next command does)
      // fails it. Swept until then, as a loaded database may commit a last heartbeat late.
      const latest = async () =>
        (
          await sluice.db.query<{
            id: string;
            status: string;
            inserted: number;
            updated: number;
            carrying: number;
          }>(
            `SELECT r.id, r.status, r.inserted, r.updated,
                    (SELECT count(*)::int FROM public.bulk_rows b WHERE b._run_id = r.id) AS carrying
               FROM sluice.runs r ORDER BY r.queued_at DESC LIMIT 1`,
          )
        ).rows;
      const runs = await eventually(
        `iteration ${iterations}: the killed run to be swept`,
        async () => {
          const found = await latest();
          if (['partial', 'failed'].includes(found[0]?.status ?? '')) return found;
          await sluice.abandonStaleRuns();
          return false;
        },
        { timeoutMs: 15_000, intervalMs: 200 },
      );
      const run = runs[0]!;
      seen[run.status] = (seen[run.status] ?? 0) + 1;
      assert.ok(
        ['partial', 'failed'].includes(run.status),
        `iteration ${iterations}: run ${run.id} is ${run.status}`,
      );
      assert.equal(
        Number(run.inserted) + Number(run.updated),
        run.carrying,
        `iteration ${iterations}: run ${run.id} (${run.status}) says ${run.inserted} inserted + ${run.updated} updated, ${run.carrying} rows carry its id`,
      );
    }
    const { rows: totals } = await sluice.db.query<{ n: number; keys: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT id)::int AS keys FROM public.bulk_rows',
    );
    assert.deepEqual(totals[0], { n: ROWS, keys: ROWS });
    const { rows: open } = await sluice.db.query(
      `SELECT id FROM sluice.runs WHERE status IN ('queued', 'running')`,
    );
    assert.deepEqual(open, []);
    assert.ok(iterations >= 3, `only ${iterations} kills fitted in the time budget`);
    process.stdout.write(
      `# ${iterations} kills in ${Date.now() - started} ms, full run ${fullMs} ms: ${JSON.stringify(seen)}\n`,
    );
  });
});

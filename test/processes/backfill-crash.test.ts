// A 1,000-partition backfill survives every worker being SIGKILLed halfway: fresh workers finish it,
// each partition ends in exactly one terminal state, killed attempts are marked abandoned, and no
// record, queue job or partition attempt is doubled.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { deterministicRunId } from '../../src/domain/partition-set.ts';
import { openSluice } from '../../src/main.ts';
import { createPostgresDatabase, testBackends } from '../support/databases.ts';
import { startFixtureServer } from '../support/fixture-server.ts';
import { type SluiceProcess, startSluice } from '../support/processes.ts';
import { withInitProject } from '../support/project.ts';

const postgres = (await testBackends()).find((backend) => backend.kind === 'postgres')!;

const SITES = Array.from({ length: 20 }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
const WEEKS = 50;
const PARTITIONS = WEEKS * SITES.length;
/** Readings the source returns per partition: days 0, 2 and 4 of the week. */
const DAYS = [0, 2, 4];
const PIPELINE = 'weekly_obs';
const HELD = 3;

const config = (url: string) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), temperature_c: z.coerce.number() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
});
export default defineConfig({
  datasets: [readings],
  pipelines: [
    pipeline('${PIPELINE}', {
      source: http({ url: '${url}/obs/{{site}}?from={{start_date}}', name: 'obs' }),
      into: readings,
      partitions: {
        time: { every: 'weekly', start: '2024-01-01' },
        keys: { name: 'site', values: ${JSON.stringify(SITES)} },
      },
      transform: (record, { params }) => ({ station: params.site, observed_at: record.t, temperature_c: record.v }),
    }),
  ],
});
`;

const readingAt = (from: string, day: number) => new Date(Date.parse(`${from}T12:00:00Z`) + day * 86_400_000);

/** Requests to leave unanswered, so that some runs are surely in flight when the workers die. */
interface Gate {
  holdNext: number;
  held: ServerResponse[];
}

/** A few readings per site and week, after a short delay so that partitions overlap. */
function observations(requests: Map<string, number>, gate: Gate) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fixture');
    const site = url.pathname.split('/').at(-1) ?? '';
    const from = url.searchParams.get('from') ?? '';
    const key = `${site}|${from}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    if (gate.holdNext > 0) {
      gate.holdNext--;
      gate.held.push(response);
      return;
    }
    const body = DAYS.map((day) => ({ t: readingAt(from, day).toISOString(), v: day }));
    setTimeout(
      () => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
      10,
    );
  };
}

interface Progress {
  status: string;
  counts: Record<string, number>;
  done: number;
}

async function progress(client: pg.Client, id: string): Promise<Progress> {
  const { rows } = await client.query<{ status: string; counts: Record<string, number> | null }>(
    `SELECT b.status, (SELECT jsonb_object_agg(status, n) FROM (SELECT status, count(*)::int AS n
        FROM sluice.backfill_partitions WHERE backfill_id = b.id GROUP BY status) c) AS counts
       FROM sluice.backfills b WHERE b.id = $1`,
    [id],
  );
  const row = rows[0];
  assert.ok(row, `backfill ${id} exists`);
  const counts = row.counts ?? {};
  const done = ['succeeded', 'failed', 'skipped', 'cancelled'].reduce(
    (sum, state) => sum + (counts[state] ?? 0),
    0,
  );
  return { status: row.status, counts, done };
}

async function until(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
  describeState: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} not reached in ${timeoutMs} ms: ${describeState()}`);
    await sleep(50);
  }
}

describe('backfill crash and restart', { skip: postgres.skip }, () => {
  it('completes a 1,000-partition backfill after every worker is SIGKILLed halfway', async (t) => {
    const requests = new Map<string, number>();
    const gate: Gate = { holdNext: 0, held: [] };
    const server = await startFixtureServer(
      Object.fromEntries(SITES.map((site) => [`/obs/${site}`, observations(requests, gate)])),
    );
    const project = await withInitProject();
    const database = await createPostgresDatabase();
    await writeFile(join(project.dir, 'sluice.config.ts'), config(server.url));
    const env = {
      DATABASE_URL: database.url,
      SLUICE_SCHEDULER_ENABLED: 'false',
      SLUICE_BACKFILL_WORKERS: '4',
      SLUICE_WORKER_CONCURRENCY: '1',
      SLUICE_BACKFILL_INTERVAL_MS: '100',
      SLUICE_SHUTDOWN_GRACE_S: '2',
      LOG_LEVEL: 'warn',
    };
    const client = new pg.Client({ connectionString: database.url, application_name: 'backfill-crash-test' });
    const workers: SluiceProcess[] = [];
    const started = Date.now();
    try {
      // The test only creates the backfill: its own sluice (migrations, dataset table) closes before
      // the workers start, so every session left afterwards belongs to a worker.
      const sluice = await openSluice({
        cwd: project.dir,
        databaseUrl: database.url,
        logger: createLogger({ level: 'silent' }),
      });
      await client.connect();
      // The first worker creates pg-boss's schema; the others then start side by side.
      workers.push(await startSluice(['worker'], { cwd: project.dir, env }));
      workers.push(
        ...(await Promise.all([1, 2].map(() => startSluice(['worker'], { cwd: project.dir, env })))),
      );
      const backfill = await sluice.app.backfills
        .request({
          pipeline: PIPELINE,
          from: '2024-01-01',
          to: '2024-12-15',
          concurrency: 12,
          createdBy: 'test',
        })
        .finally(() => sluice.close());
      assert.equal(backfill.total, PARTITIONS);

      let state = await progress(client, backfill.id);
      await until(
        'half of the partitions terminal',
        120_000,
        async () => {
          state = await progress(client, backfill.id);
          return state.done >= PARTITIONS / 2;
        },
        () => JSON.stringify(state),
      );
      // The next three runs hang on their request; the others are wherever they are.
      gate.holdNext = HELD;
      await until(
        `${HELD} requests held`,
        10_000,
        async () => gate.held.length === HELD,
        () => `${gate.held.length} held`,
      );
      await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
      const killedAt = Date.now();
      // A statement a worker sent just before dying may still commit: wait for its sessions to end.
      await until(
        'the killed workers’ sessions gone',
        10_000,
        async () =>
          (
            await client.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
            )
          ).rows[0]?.n === 0,
        () => 'sessions remain',
      );
      const atKill = await progress(client, backfill.id);
      const interrupted = (
        await client.query<{ id: string; job_id: string }>(
          `SELECT id, job_id FROM sluice.runs WHERE status = 'running'`,
        )
      ).rows;
      t.diagnostic(`killed at ${JSON.stringify(atKill.counts)}, ${interrupted.length} runs in flight`);
      assert.ok(atKill.done < PARTITIONS, `the kill came before the end: ${JSON.stringify(atKill.counts)}`);
      assert.equal(atKill.status, 'active');
      assert.ok(interrupted.length >= HELD, `the ${HELD} held runs were in flight when the workers died`);
      for (const response of gate.held) response.destroy();

      workers.length = 0;
      for (let i = 0; i < 2; i++) workers.push(await startSluice(['worker'], { cwd: project.dir, env }));
      await until(
        'backfill completed',
        120_000,
        async () => {
          state = await progress(client, backfill.id);
          return state.status !== 'active';
        },
        () => JSON.stringify(state),
      );
      t.diagnostic(
        `restarted; finished ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill, ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s in all`,
      );
      const codes = await Promise.all(workers.map((worker) => worker.stop('SIGTERM')));
      assert.deepEqual(codes, [0, 0], workers.map((worker) => worker.output()).join('\n'));

      // Every partition exactly once, succeeded, on its first attempt (a crash retries the job, not the partition).
      assert.equal(state.status, 'completed', JSON.stringify(state));
      assert.deepEqual(state.counts, { succeeded: PARTITIONS });
      const partitions = (
        await client.query<{
          partition_key: string;
          status: string;
          attempts: number;
          job_id: string;
          run_id: string | null;
          finished_at: Date | null;
        }>(
          `SELECT partition_key, status, attempts, job_id, run_id, finished_at
             FROM sluice.backfill_partitions WHERE backfill_id = $1`,
          [backfill.id],
        )
      ).rows;
      assert.equal(partitions.length, PARTITIONS);
      assert.equal(new Set(partitions.map((p) => p.partition_key)).size, PARTITIONS);
      for (const partition of partitions) {
        assert.equal(partition.status, 'succeeded', partition.partition_key);
        assert.equal(partition.attempts, 1, partition.partition_key);
        assert.equal(partition.job_id, deterministicRunId(PIPELINE, partition.partition_key, 1));
        assert.notEqual(partition.finished_at, null);
      }

      // Runs: none left queued or running; every failed one is an abandoned (killed) attempt,
      // followed on its job by a succeeded retry; the succeeded runs of a partition agree.
      const runs = (
        await client.query<{
          id: string;
          job_id: string;
          partition_key: string;
          status: string;
          attempt: number;
          inserted: number;
          updated: number;
          unchanged: number;
          error_code: string | null;
        }>(
          `SELECT id, job_id, partition_key, status, attempt, inserted::int, updated::int, unchanged::int,
                  errors -> -1 ->> 'code' AS error_code
             FROM sluice.runs ORDER BY queued_at`,
        )
      ).rows;
      const runById = new Map(runs.map((run) => [run.id, run]));
      assert.deepEqual(
        runs.filter((run) => run.status !== 'succeeded' && run.status !== 'failed'),
        [],
        'no run left queued or running',
      );
      for (const run of runs.filter((r) => r.status === 'failed')) {
        assert.equal(run.error_code, 'abandoned', JSON.stringify(run));
      }
      for (const { id, job_id } of interrupted) {
        assert.equal(runById.get(id)?.status, 'failed', `run ${id} in flight at the kill is marked failed`);
        assert.equal(runById.get(id)?.error_code, 'abandoned');
        const retried = runs.filter((run) => run.job_id === job_id && run.status === 'succeeded');
        assert.ok(retried.length >= 1 && retried.every((run) => run.attempt >= 2), `job ${job_id} retried`);
      }
      const succeededOf = new Map<string, typeof runs>();
      for (const run of runs.filter((r) => r.status === 'succeeded')) {
        succeededOf.set(run.partition_key, [...(succeededOf.get(run.partition_key) ?? []), run]);
      }
      for (const partition of partitions) {
        const succeeded = succeededOf.get(partition.partition_key) ?? [];
        assert.ok(succeeded.length >= 1, `partition ${partition.partition_key} has a succeeded run`);
        assert.ok(
          succeeded.some((run) => run.id === partition.run_id),
          `partition ${partition.partition_key} points to a succeeded run`,
        );
        for (const run of succeeded) {
          assert.equal(run.job_id, partition.job_id, `run ${run.id} belongs to the partition's job`);
          assert.deepEqual(
            { written: run.inserted + run.unchanged, updated: run.updated },
            { written: DAYS.length, updated: 0 },
            `run ${run.id} of ${partition.partition_key}`,
          );
        }
      }

      // One queue job per (pipeline, partition, attempt), completed.
      const jobs = (
        await client.query<{ pipeline: string; partition: string; jobs: number; states: string[] }>(
          `SELECT data ->> 'pipeline' AS pipeline, data ->> 'partition' AS partition, count(*)::int AS jobs,
                  array_agg(DISTINCT state::text) AS states
             FROM pgboss.job WHERE name = 'sluice-backfill' GROUP BY 1, 2`,
        )
      ).rows;
      assert.equal(jobs.length, PARTITIONS);
      assert.deepEqual(
        jobs.filter(
          (job) => job.pipeline !== PIPELINE || job.jobs !== 1 || job.states.join() !== 'completed',
        ),
        [],
      );

      // The dataset holds exactly the readings of every site and week, each once.
      const stored = (
        await client.query<{ station: string; observed_at: Date }>(
          'SELECT station, observed_at FROM public.readings',
        )
      ).rows.map((row) => `${row.station}|${row.observed_at.toISOString()}`);
      const expected = new Set<string>();
      for (let week = 0; week < WEEKS; week++) {
        const from = new Date(Date.UTC(2024, 0, 1 + week * 7)).toISOString().slice(0, 10);
        for (const site of SITES) {
          for (const day of DAYS) expected.add(`${site}|${readingAt(from, day).toISOString()}`);
        }
      }
      assert.equal(stored.length, expected.size, 'one row per reading');
      assert.deepEqual(new Set(stored), expected);
      t.diagnostic(
        `${runs.length} runs (${interrupted.length} abandoned), ${[...requests.values()].filter((n) => n > 1).length} partitions requested more than once`,
      );
    } finally {
      await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
      await client.end().catch(() => {});
      await server.close();
      await database.drop();
      await project.remove();
    }
  });
});

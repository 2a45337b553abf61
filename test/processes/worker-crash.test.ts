// A worker SIGKILLed in the middle of a run loses nothing: its run is marked failed (abandoned),
// another worker retries the job within the heartbeat bound, and no row is written twice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { runCli } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { withHangingUpstream } from '../support/hanging-upstream.ts';
import { startSluice } from '../support/processes.ts';

const postgres = (await testBackends()).find((backend) => backend.kind === 'postgres')!;

describe('worker crash', { skip: postgres.skip }, () => {
  it('retries a SIGKILLed worker’s run on another worker, without duplicates', async () => {
    const upstream = await withHangingUpstream();
    const env = { DATABASE_URL: upstream.databaseUrl, SLUICE_SCHEDULER_ENABLED: 'false' };
    const processes = [];
    try {
      const queued = await runCli(['trigger', 'fx_latest', '--json'], { cwd: upstream.dir, env });
      assert.equal(queued.code, 0, queued.stderr);
      const { runId } = JSON.parse(queued.stdout);

      const doomed = await startSluice(['worker'], { cwd: upstream.dir, env });
      processes.push(doomed);
      await upstream.firstRequest();
      await doomed.stop('SIGKILL');
      const killedAt = Date.now();

      processes.push(await startSluice(['worker'], { cwd: upstream.dir, env }));
      const client = new pg.Client({ connectionString: upstream.databaseUrl });
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
      assert.deepEqual(rows, { n: upstream.expectedRows, quotes: upstream.expectedRows });
    } finally {
      await Promise.all(processes.map((process) => process.stop('SIGKILL')));
      await upstream.close();
    }
  });
});

// `sluice backfill` as a user runs it: a backfill followed to its end with progress lines, the
// grid and failures, retry and watch, detach, pause/resume/cancel, and usage errors.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliSession } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { withInitProject } from '../support/project.ts';
import { observations, weeklyObsConfig } from '../support/weekly-obs.ts';

for (const backend of await testBackends()) {
  describe(`sluice backfill on ${backend.kind}`, { skip: backend.skip }, () => {
    const session = cliSession();
    let server: FixtureServer;
    let dir: string;
    let env: Record<string, string | undefined>;
    let cleanup: () => Promise<void>;
    const failing = new Set<string>(['chambery|2025-01-13']);

    before(async () => {
      const handler = observations(failing, { now: 0, max: 0 });
      server = await startFixtureServer({ '/obs/annecy': handler, '/obs/chambery': handler });
      const project = await withInitProject();
      dir = project.dir;
      await writeFile(join(dir, 'sluice.config.ts'), weeklyObsConfig(server.url));
      const database = await backend.open({ migrated: true });
      if (!database.url) await database.db.close();
      env = {
        DATABASE_URL: database.url,
        SLUICE_PROGRESS_INTERVAL_MS: '100',
        SLUICE_BACKFILL_INTERVAL_MS: '100',
      };
      cleanup = async () => {
        if (database.url) await database.close();
        await server.close();
        await project.remove();
      };
    });
    after(async () => {
      await session.close();
      await cleanup();
    });

    const cli = (...args: string[]) => session.run(args, { cwd: dir, env });

    it('follows a backfill to its end, shows progress and the grid, and exits 1 on a failed partition', async () => {
      const result = await cli(
        'backfill',
        'weekly_obs',
        '--from',
        '2025-01-06',
        '--to',
        '2025-02-02',
        '--concurrency',
        '3',
      );
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /backfill [0-9a-f-]{36} of weekly_obs: 8 partitions, 3 at a time/);
      assert.match(result.stderr, /\[#+\.*\] \d+% \d\/8/);
      assert.match(result.stdout, /: failed/);
      assert.match(result.stdout, /site=annecy\s+####\n/);
      assert.match(result.stdout, /site=chambery\s+#x##\n/);
      assert.match(result.stdout, /2025-W03\|site=chambery \(attempt 1\): .*404/);
    });

    it('retries the failed partitions and watches the backfill complete', async () => {
      const list = JSON.parse((await cli('backfill', 'list', '--json')).stdout) as {
        backfills: Array<{ id: string; status: string; counts: { failed: number } }>;
      };
      assert.equal(list.backfills.length, 1);
      const [backfill] = list.backfills;
      assert.deepEqual([backfill?.status, backfill?.counts.failed], ['failed', 1]);
      failing.clear();
      // The 8-character prefix the tables print names the backfill, as it names a run.
      const short = (backfill?.id ?? '').slice(0, 8);
      const retry = await cli('backfill', 'retry', short);
      assert.equal(retry.code, 0, retry.stderr);
      assert.match(retry.stdout, /: active \(1 pending, 0 running, 0 failed\)/);
      const watch = await cli('backfill', 'watch', short, '--json');
      assert.equal(watch.code, 0, watch.stderr);
      const watched = JSON.parse(watch.stdout) as {
        backfill: { status: string };
        partitions: Array<{ partition: string; status: string; attempts: number }>;
      };
      assert.equal(watched.backfill.status, 'completed');
      assert.deepEqual(
        watched.partitions.filter((p) => p.attempts > 1).map((p) => p.partition),
        ['2025-W03|site=chambery'],
      );
      const status = await cli('backfill', 'status', short);
      assert.match(status.stdout, /site=chambery\s+####\n/);
    });

    it('detaches, then pauses, resumes and cancels', async () => {
      const created = await cli(
        'backfill',
        'weekly_obs',
        '--from',
        '2025-06-02',
        '--to',
        '2025-06-29',
        '--detach',
        '--json',
      );
      assert.equal(created.code, 0, created.stderr);
      const { backfill } = JSON.parse(created.stdout) as {
        backfill: { id: string; status: string; total: number };
      };
      assert.deepEqual([backfill.status, backfill.total], ['active', 8]);
      assert.match((await cli('backfill', 'pause', backfill.id)).stdout, /: paused \(8 pending/);
      assert.match((await cli('backfill', 'resume', backfill.id)).stdout, /: active/);
      const cancelled = await cli('backfill', 'cancel', backfill.id);
      assert.match(cancelled.stdout, /: cancelled \(0 pending, 0 running/);
      const again = await cli('backfill', 'cancel', backfill.id);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /cannot cancel a backfill that is cancelled/);
    });

    it('refuses bad requests with a usage error naming the fix', async () => {
      const noRange = await cli('backfill', 'weekly_obs', '--from', '2025-01-06');
      assert.equal(noRange.code, 2);
      assert.match(noRange.stderr, /give the range with --from and --to/);
      const badKeys = await cli(
        'backfill',
        'weekly_obs',
        '--from',
        '2025-01-06',
        '--to',
        '2025-01-12',
        '--keys',
        'lyon',
      );
      assert.equal(badKeys.code, 2);
      assert.match(badKeys.stderr, /no partition has site=lyon/);
      const unknown = await cli('backfill', 'status', '00000000-0000-0000-0000-000000000000');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /backfill 00000000-0000-0000-0000-000000000000 does not exist/);
      const refresh = await cli('refresh', '--stale');
      assert.match(refresh.stdout, /skipped weekly_obs: pipeline "weekly_obs" is partitioned/);
      const noPipeline = await cli('backfill', 'nope', '--from', '2025-01-06', '--to', '2025-01-12');
      assert.equal(noPipeline.code, 2);
      assert.match(noPipeline.stderr, /pipeline "nope" is not defined/);
    });
  });
}

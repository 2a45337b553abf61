// Backfills on real databases, the real queue and real workers: every partition in range runs once,
// at most `concurrency` at a time, failures can be retried, and pause, resume and cancel hold.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dispatchBackfill } from '../../src/adapters/postgres/backfill-dispatch.ts';
import {
  applyBackfillAction,
  backfillPartitions,
  getBackfill,
  retryBackfillPartition,
} from '../../src/adapters/postgres/backfill-store.ts';
import { enqueueRun } from '../../src/adapters/postgres/run-store.ts';
import { type BackfillPump, startBackfillPump } from '../../src/adapters/queue/backfill-pump.ts';
import { type RunQueue, startRunQueue } from '../../src/adapters/queue/run-queue.ts';
import { startWorkers, type Workers } from '../../src/adapters/queue/run-worker.ts';
import type { BackfillStatus } from '../../src/domain/backfill.ts';
import { deterministicRunId } from '../../src/domain/partition-set.ts';
import type { Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { openTestProject } from '../support/test-project.ts';
import { observations, weeklyObsConfig } from '../support/weekly-obs.ts';

for (const backend of await testBackends()) {
  describe(`backfills on ${backend.kind}`, { skip: backend.skip }, () => {
    let sluice: Sluice;
    let server: FixtureServer;
    let queue: RunQueue;
    let pump: BackfillPump;
    let workers: Workers;
    let cleanup: () => Promise<void>;
    let databaseUrl: string | undefined;
    const failing = new Set<string>(['chambery|2025-01-13']);
    const inFlight = { now: 0, max: 0 };

    before(async () => {
      const handler = observations(failing, inFlight);
      server = await startFixtureServer({ '/obs/annecy': handler, '/obs/chambery': handler });
      const project = await openTestProject(backend, weeklyObsConfig(server.url));
      sluice = project.sluice;
      databaseUrl = project.databaseUrl;
      queue = await startRunQueue(sluice.db, { databaseUrl, logger: sluice.logger });
      pump = startBackfillPump(sluice, queue, { intervalMs: 100, maxActive: 1, repairAfterSeconds: 60 });
      workers = await startWorkers(sluice.app, queue, {
        runs: 0,
        backfill: 4,
        afterBackfillPartition: pump.pump,
      });
      cleanup = async () => {
        pump.stop();
        await workers.stop(0);
        await project.close();
        await server.close();
      };
    });
    after(() => cleanup());

    const until = async (id: string, statuses: readonly BackfillStatus[], timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const backfill = await getBackfill(sluice.db, id);
        if (statuses.includes(backfill.status)) return backfill;
        if (Date.now() > deadline)
          assert.fail(`backfill ${id} still ${backfill.status}: ${JSON.stringify(backfill.counts)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    it('runs every partition in range once, at most `concurrency` at a time, and ends failed on a failure', async () => {
      const created = await sluice.app.backfills.request({
        pipeline: 'weekly_obs',
        from: '2025-01-06',
        to: '2025-02-02',
        concurrency: 3,
        createdBy: 'test',
      });
      assert.equal(created.total, 8);
      assert.equal(created.status, 'active');
      const done = await until(created.id, ['completed', 'failed']);
      assert.equal(done.status, 'failed');
      assert.deepEqual(
        { succeeded: done.counts.succeeded, failed: done.counts.failed, pending: done.counts.pending },
        { succeeded: 7, failed: 1, pending: 0 },
      );
      assert.ok(inFlight.max <= 3, `at most 3 partitions at once, saw ${inFlight.max}`);
      const partitions = await backfillPartitions(sluice.db, created.id);
      assert.deepEqual(
        partitions.slice(0, 2).map((p) => [p.partition, p.timeKey, p.rowKey]),
        [
          ['2025-W02|site=annecy', '2025-W02', 'site=annecy'],
          ['2025-W02|site=chambery', '2025-W02', 'site=chambery'],
        ],
      );
      const failed = partitions.find((p) => p.status === 'failed');
      assert.equal(failed?.partition, '2025-W03|site=chambery');
      assert.match(failed?.lastError ?? '', /404/);
      for (const partition of partitions) {
        assert.equal(partition.attempts, 1);
        assert.equal(partition.runId, deterministicRunId('weekly_obs', partition.partition, 1));
      }
      const { rows } = await sluice.db.query<{ n: string | number }>(
        'SELECT count(*) AS n FROM public.readings',
      );
      assert.equal(Number(rows[0]?.n), 7 * 7);
    });

    it('retry-failed runs only the failed partition, as attempt 2, and completes', async () => {
      const [latest] = (await sluice.db.query<{ id: string }>('SELECT id FROM sluice.backfills')).rows;
      const id = latest?.id ?? '';
      failing.clear();
      const before = await backfillPartitions(sluice.db, id);
      await applyBackfillAction(sluice.db, id, 'retry-failed');
      void pump.pump();
      const done = await until(id, ['completed', 'failed']);
      assert.equal(done.status, 'completed');
      const after = await backfillPartitions(sluice.db, id);
      const retried = after.find((p) => p.partition === '2025-W03|site=chambery');
      assert.equal(retried?.attempts, 2);
      assert.equal(retried?.runId, deterministicRunId('weekly_obs', '2025-W03|site=chambery', 2));
      // The others kept their first run.
      assert.deepEqual(
        after.filter((p) => p.partition !== '2025-W03|site=chambery').map((p) => p.runId),
        before.filter((p) => p.partition !== '2025-W03|site=chambery').map((p) => p.runId),
      );
      await assert.rejects(
        applyBackfillAction(sluice.db, id, 'pause'),
        /cannot pause a backfill that is completed/,
      );

      // One partition again: attempt 3 of it, same data (nothing updated).
      await retryBackfillPartition(sluice.db, id, '2025-W02|site=annecy');
      void pump.pump();
      const again = await until(id, ['completed', 'failed']);
      assert.equal(again.status, 'completed');
      const one = (await backfillPartitions(sluice.db, id)).find(
        (p) => p.partition === '2025-W02|site=annecy',
      );
      const { rows } = await sluice.db.query<{ status: string; inserted: number; unchanged: number }>(
        'SELECT status, inserted, unchanged FROM sluice.runs WHERE id = $1',
        [one?.runId],
      );
      assert.deepEqual(rows[0], { status: 'succeeded', inserted: 0, unchanged: 7 });
      await assert.rejects(
        retryBackfillPartition(sluice.db, id, '2031-W01|site=annecy'),
        /has no partition "2031-W01\|site=annecy"/,
      );
    });

    it('pause stops new partitions, resume goes on, cancel cancels the pending ones', async () => {
      pump.stop();
      const created = await sluice.app.backfills.request({
        pipeline: 'weekly_obs',
        from: '2025-03-03',
        to: '2025-03-30',
        keys: ['annecy'],
        concurrency: 1,
        createdBy: 'test',
      });
      assert.equal(created.total, 4);
      const paused = await applyBackfillAction(sluice.db, created.id, 'pause');
      assert.equal(paused.status, 'paused');
      await pump.pump();
      assert.equal((await getBackfill(sluice.db, created.id)).counts.running, 0);
      await applyBackfillAction(sluice.db, created.id, 'resume');
      await pump.pump();
      const resumed = await getBackfill(sluice.db, created.id);
      assert.equal(resumed.counts.running, 1, JSON.stringify(resumed));
      const cancelled = await applyBackfillAction(sluice.db, created.id, 'cancel');
      assert.equal(cancelled.status, 'cancelled');
      assert.equal(cancelled.counts.cancelled, 3);
      // The running partition finishes; nothing else starts.
      const deadline = Date.now() + 10_000;
      while ((await getBackfill(sluice.db, created.id)).counts.running > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const final = await getBackfill(sluice.db, created.id);
      assert.deepEqual([final.status, final.counts.succeeded, final.counts.cancelled], ['cancelled', 1, 3]);
      assert.notEqual(final.finishedAt, null);
      await assert.rejects(applyBackfillAction(sluice.db, created.id, 'resume'), /cannot resume/);
    });

    it('lets only the oldest SLUICE_MAX_ACTIVE_BACKFILLS (1 here) progress; the next waits its turn', async () => {
      const request = (from: string, to: string) =>
        sluice.app.backfills.request({ pipeline: 'weekly_obs', from, to, concurrency: 2, createdBy: 'test' });
      const first = await request('2025-10-06', '2025-10-19');
      const second = await request('2025-10-20', '2025-11-02');
      await pump.pump();
      assert.equal((await getBackfill(sluice.db, second.id)).counts.running, 0);
      const firstDone = await until(first.id, ['completed']);
      await until(second.id, ['completed']);
      const started = (await backfillPartitions(sluice.db, second.id)).map((p) =>
        Date.parse(p.startedAt ?? ''),
      );
      assert.ok(
        Math.min(...started) >= Date.parse(firstDone.finishedAt ?? ''),
        'the second backfill started after the first one finished',
      );
    });

    it('does not starve scheduled and triggered runs: they have their own queue and workers', async () => {
      // Workers stop their queue when they stop: these get a queue of their own.
      const runQueue = await startRunQueue(sluice.db, { databaseUrl, logger: sluice.logger });
      const runWorkers = await startWorkers(sluice.app, runQueue, { runs: 1, backfill: 0 });
      try {
        const backfill = await sluice.app.backfills.request({
          pipeline: 'weekly_obs',
          from: '2025-05-05',
          to: '2025-07-27',
          concurrency: 4,
          createdBy: 'test',
        });
        await pump.pump();
        const runId = await sluice.app.pipelines
          .dispatcher(queue)
          .trigger('weekly_obs', 'schedule', '2025-W40|site=annecy');
        const run = await sluice.app.pipelines.wait(runId, 10_000);
        assert.equal(run.status, 'succeeded');
        const meanwhile = await getBackfill(sluice.db, backfill.id);
        assert.ok(
          meanwhile.counts.pending > 0,
          `the run did not wait for the backfill: ${JSON.stringify(meanwhile.counts)}`,
        );
        await until(backfill.id, ['completed']);
      } finally {
        await runWorkers.stop(0);
      }
    });

    it('fails a queued run that cannot start (its key is gone) with the reason, without retries', async () => {
      const runQueue = await startRunQueue(sluice.db, { databaseUrl, logger: sluice.logger });
      const runWorkers = await startWorkers(sluice.app, runQueue, { runs: 1, backfill: 0 });
      try {
        // Queued while "lyon" was a key; the config no longer has it when a worker takes the job.
        const id = '3f0c1c9e-8d1a-4b8e-9a55-0d5d0c1e2f01';
        const partition = '2025-W02|site=lyon';
        await enqueueRun(sluice.db, {
          id,
          pipeline: 'weekly_obs',
          dataset: 'readings',
          trigger: 'test',
          jobId: id,
          partitionKey: partition,
        });
        await runQueue.enqueue({ runId: id, pipeline: 'weekly_obs', trigger: 'test', partition });
        const run = await sluice.app.pipelines.wait(id, 10_000);
        assert.equal(run.status, 'failed');
        assert.equal(run.errors[0]?.code, 'usage_error');
        assert.match(run.errors[0]?.message ?? '', /"lyon" is not a key of dimension "site"/);
        const deadline = Date.now() + 5000;
        while ((await runQueue.jobState('runs', id)) !== 'completed' && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.equal(await runQueue.jobState('runs', id), 'completed', 'the job is done, not retried');
      } finally {
        await runWorkers.stop(0);
      }
    });

    it('repairs a partition whose queue job ended without settling it', async () => {
      const backfill = await sluice.app.backfills.request({
        pipeline: 'weekly_obs',
        from: '2025-08-04',
        to: '2025-08-10',
        keys: ['annecy'],
        concurrency: 1,
        createdBy: 'test',
      });
      // Started, but its job never reaches the queue (as if pg-boss had dropped it).
      const started = await dispatchBackfill(sluice.db, backfill.id, {
        dataset: 'readings',
        enqueue: async () => {},
      });
      assert.equal(started.dispatched.length, 1);
      const repairing = startBackfillPump(sluice, queue, {
        intervalMs: 60_000,
        maxActive: 5,
        repairAfterSeconds: 0,
      });
      try {
        assert.equal(await repairing.repair(), 1);
      } finally {
        repairing.stop();
      }
      const [partition] = await backfillPartitions(sluice.db, backfill.id);
      assert.equal(partition?.status, 'failed');
      assert.match(partition?.lastError ?? '', /queue job ended \(missing\) before the run finished/);
      const { rows } = await sluice.db.query<{ status: string }>(
        'SELECT status FROM sluice.runs WHERE id = $1',
        [started.dispatched[0]?.runId],
      );
      assert.equal(rows[0]?.status, 'failed');
      assert.equal((await getBackfill(sluice.db, backfill.id)).status, 'failed');
    });

    it('refuses a backfill it cannot plan, naming the problem', async () => {
      await assert.rejects(
        sluice.app.backfills.request({ pipeline: 'weekly_obs', createdBy: 'test' }),
        /give the range with --from and --to/,
      );
      await assert.rejects(
        sluice.app.backfills.request({
          pipeline: 'weekly_obs',
          from: '2025-02-30',
          to: '2025-03-01',
          createdBy: 'test',
        }),
        /not a real date/,
      );
      await assert.rejects(
        sluice.app.backfills.request({
          pipeline: 'weekly_obs',
          from: '2025-01-06',
          to: '2025-01-12',
          keys: ['grenoble'],
          createdBy: 'test',
        }),
        /no partition has site=grenoble \(keys: annecy, chambery\)/,
      );
      await assert.rejects(
        sluice.app.backfills.request({
          pipeline: 'weekly_obs',
          from: '2025-01-06',
          to: '2025-01-12',
          concurrency: 0,
          createdBy: 'test',
        }),
        /concurrency must be a whole number/,
      );
    });
  });
}

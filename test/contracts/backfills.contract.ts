// The BackfillStore contract: a planned backfill stored, read, listed, and moved by the actions, the
// same in every implementation (memory, PGlite, PostgreSQL); backfills.test.ts runs it against each.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConflictError, NotFoundError } from '../../src/domain/errors.ts';
import type { BackfillPartitionRecord, BackfillStore, NewBackfill } from '../../src/engine/backfills.ts';

export interface BackfillsImplementation {
  kind: string;
  skip: string | false;
  /** An empty store; one per suite, so each test below uses its own pipeline and ids. */
  open(): Promise<{ store: BackfillStore; close(): Promise<void> }>;
}

const backfillId = (group: string, n: number) => `${group}-0000-4000-8000-${String(n).padStart(12, '0')}`;
const WEEKS = ['2025-W02', '2025-W03'];
const SITES = ['annecy', 'chambery'];

/** Two weeks × two sites, weeks first: the plan order of a weekly pipeline keyed by site. */
function planned(id: string, pipeline: string): NewBackfill {
  const partitions = WEEKS.flatMap((week) => SITES.map((site) => ({ week, site }))).map(
    ({ week, site }, ordinal) => ({
      ordinal,
      partitionKey: `${week}|site=${site}`,
      timeKey: week,
      rowKey: `site=${site}`,
    }),
  );
  return {
    id,
    pipeline,
    plan: { partitions, from: '2025-01-06', to: '2025-01-19' },
    keys: SITES,
    concurrency: 3,
    createdBy: 'cli:contract',
  };
}

const pendingPartitions = (): BackfillPartitionRecord[] =>
  WEEKS.flatMap((week) => SITES.map((site) => ({ week, site }))).map(({ week, site }, ordinal) => ({
    ordinal,
    partition: `${week}|site=${site}`,
    timeKey: week,
    rowKey: `site=${site}`,
    status: 'pending',
    attempts: 0,
    runId: null,
    lastError: null,
    startedAt: null,
    finishedAt: null,
  }));

const isIso = (value: string | null) => value !== null && new Date(value).toISOString() === value;

export function backfillsContract(implementation: BackfillsImplementation): void {
  describe(`BackfillStore contract: ${implementation.kind}`, { skip: implementation.skip }, () => {
    let store: BackfillStore;
    let close: () => Promise<void>;
    before(async () => {
      ({ store, close } = await implementation.open());
    });
    after(() => close?.());

    it('stores a planned backfill active, every partition pending in plan order', async () => {
      const id = backfillId('a1a1a1a1', 1);
      const created = await store.create(planned(id, 'contract_create'));
      assert.ok(isIso(created.createdAt));
      assert.equal(created.updatedAt, created.createdAt);
      assert.deepEqual(created, {
        id,
        pipeline: 'contract_create',
        status: 'active',
        from: '2025-01-06',
        to: '2025-01-19',
        keys: SITES,
        concurrency: 3,
        total: 4,
        createdBy: 'cli:contract',
        createdAt: created.createdAt,
        updatedAt: created.createdAt,
        finishedAt: null,
        error: null,
        counts: { total: 4, pending: 4, running: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 },
      });
      assert.deepEqual(await store.get(id), created);
      assert.deepEqual(await store.partitions(id), pendingPartitions());
      assert.deepEqual(await store.partitions(backfillId('a1a1a1a1', 2)), []);
    });

    it('lists newest first, by pipeline and status, at most `limit`', async () => {
      const [one, two, three] = [1, 2, 3].map((n) => backfillId('b2b2b2b2', n)) as [string, string, string];
      await store.create(planned(one, 'contract_list'));
      await store.create(planned(two, 'contract_list'));
      await store.create(planned(three, 'contract_list'));
      await store.apply(two, 'pause');
      const ids = async (filter: Parameters<BackfillStore['list']>[0]) =>
        (await store.list({ pipeline: 'contract_list', ...filter })).map((backfill) => backfill.id);
      assert.deepEqual(await ids({}), [three, two, one]);
      assert.deepEqual(await ids({ limit: 2 }), [three, two]);
      assert.deepEqual(await ids({ status: 'paused' }), [two]);
      assert.deepEqual(await ids({ pipeline: 'contract_none' }), []);
    });

    it('pauses, resumes and cancels; an action the status does not allow is a ConflictError', async () => {
      const id = backfillId('c3c3c3c3', 1);
      await store.create(planned(id, 'contract_actions'));
      assert.equal((await store.apply(id, 'pause')).status, 'paused');
      await assert.rejects(
        store.apply(id, 'pause'),
        (error) =>
          error instanceof ConflictError &&
          error.message === 'cannot pause a backfill that is paused (pause applies to: active)',
      );
      assert.equal((await store.apply(id, 'resume')).status, 'active');
      const cancelled = await store.apply(id, 'cancel');
      // Nothing was running: cancel marks the pending partitions and the backfill is finished.
      assert.equal(cancelled.status, 'cancelled');
      assert.ok(isIso(cancelled.finishedAt));
      assert.deepEqual(cancelled.counts, {
        total: 4,
        pending: 0,
        running: 0,
        succeeded: 0,
        failed: 0,
        skipped: 0,
        cancelled: 4,
      });
      const partitions = await store.partitions(id);
      assert.deepEqual(
        partitions.map((p) => p.status),
        ['cancelled', 'cancelled', 'cancelled', 'cancelled'],
      );
      assert.ok(partitions.every((p) => isIso(p.finishedAt)));
      await assert.rejects(store.apply(id, 'resume'), ConflictError);
    });

    it('retry-failed reopens a cancelled backfill with its cancelled partitions; with nothing to retry it refuses', async () => {
      const id = backfillId('d4d4d4d4', 1);
      await store.create(planned(id, 'contract_retry'));
      // Active with nothing failed: nothing changes, and that is not an error.
      assert.equal((await store.apply(id, 'retry-failed')).counts.pending, 4);
      await store.apply(id, 'cancel');
      const reopened = await store.apply(id, 'retry-failed');
      assert.equal(reopened.status, 'active');
      assert.equal(reopened.finishedAt, null);
      assert.deepEqual(await store.partitions(id), pendingPartitions());

      const done = backfillId('d4d4d4d4', 2);
      await store.create({
        ...planned(done, 'contract_retry'),
        plan: { partitions: [], from: undefined, to: undefined },
      });
      // An empty plan settles at the first action that looks at it.
      await store.apply(done, 'pause');
      await store.apply(done, 'resume');
      const completed = await store.get(done);
      assert.equal(completed.status, 'completed');
      await assert.rejects(
        store.apply(done, 'retry-failed'),
        (error) =>
          error instanceof ConflictError &&
          error.message === `backfill ${done} has no failed partitions to retry`,
      );
    });

    it('retries one partition that is not pending or running, and reopens the backfill', async () => {
      const id = backfillId('e5e5e5e5', 1);
      await store.create(planned(id, 'contract_partition'));
      await assert.rejects(
        store.retryPartition(id, '2025-W02|site=annecy'),
        (error) =>
          error instanceof ConflictError &&
          error.message === 'partition "2025-W02|site=annecy" is pending; it will run without a retry',
      );
      await assert.rejects(
        store.retryPartition(id, '2025-W09|site=annecy'),
        (error) =>
          error instanceof NotFoundError &&
          error.message === `backfill ${id} has no partition "2025-W09|site=annecy"`,
      );
      await store.apply(id, 'cancel');
      const reopened = await store.retryPartition(id, '2025-W03|site=annecy');
      assert.equal(reopened.status, 'active');
      assert.equal(reopened.finishedAt, null);
      assert.deepEqual(
        (await store.partitions(id)).map((p) => `${p.partition} ${p.status} ${p.finishedAt === null}`),
        [
          '2025-W02|site=annecy cancelled false',
          '2025-W02|site=chambery cancelled false',
          '2025-W03|site=annecy pending true',
          '2025-W03|site=chambery cancelled false',
        ],
      );
    });

    it('takes an id by its 8+ character prefix; an unknown or ambiguous one is refused with the CLI in mind', async () => {
      const older = backfillId('f6f6f6f6', 1);
      const newer = backfillId('f6f6f6f6', 2);
      await store.create(planned(older, 'contract_ids'));
      await store.create(planned(newer, 'contract_ids'));
      assert.equal((await store.get(newer.toUpperCase())).id, newer);
      assert.equal((await store.get('f6f6f6f6000040008000000000000001')).id, older);
      const unknown = '0a0a0a0a-0000-4000-8000-000000000000';
      await assert.rejects(
        store.get(unknown),
        (error) =>
          error instanceof NotFoundError &&
          error.message === `backfill ${unknown} does not exist (sluice backfill list shows them)`,
      );
      await assert.rejects(
        store.apply('f6f6f6f6', 'pause'),
        (error) =>
          error instanceof ConflictError &&
          error.message === `backfill id "f6f6f6f6" is ambiguous; it starts 2 backfills: ${newer}, ${older}`,
      );
    });
  });
}

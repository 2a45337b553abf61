// The one INSERT INTO sluice.runs: queued rows, a start that takes a queued row over, a start or
// a queue of an id that exists, and the active run of each slot.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../../../test/support/databases.ts';
import { ConflictError } from '../../domain/errors.ts';
import type { Database } from './database.ts';
import { migrate } from './migrate.ts';
import { activeRuns, createRunStore, enqueueRuns, getRun } from './run-store.ts';

const A = '0a000000-0000-4000-8000-000000000001';
const B = '0b000000-0000-4000-8000-000000000002';
const C = '0c000000-0000-4000-8000-000000000003';
const D = '0d000000-0000-4000-8000-000000000004';

for (const backend of await testBackends()) {
  describe(`run inserts on ${backend.kind}`, { skip: backend.skip }, () => {
    let db: Database;
    let close: () => Promise<void>;
    before(async () => {
      ({ db, close } = await backend.open());
      await migrate(db);
    });
    after(() => close());

    it('queues many rows in one statement, each with its partition and job', async () => {
      await enqueueRuns(db, [
        { id: A, pipeline: 'p', dataset: 'd', trigger: 'bulk', jobId: A },
        { id: B, pipeline: 'p', dataset: 'd', trigger: 'bulk', jobId: B, partitionKey: 'k1' },
      ]);
      const a = await getRun(db, A);
      const b = await getRun(db, B);
      assert.deepEqual([a.status, a.partitionKey, a.attempt, a.startedAt], ['queued', null, 1, null]);
      assert.deepEqual([b.status, b.partitionKey], ['queued', 'k1']);
      await assert.rejects(
        enqueueRuns(db, [{ id: A, pipeline: 'p', dataset: 'd', trigger: 'again', jobId: A }]),
        ConflictError,
      );
    });

    it('a slot without a partition matches only runs without one', async () => {
      const active = await activeRuns(db, [
        { pipeline: 'p' },
        { pipeline: 'p', partitionKey: 'k1' },
        { pipeline: 'q' },
      ]);
      assert.deepEqual(active.map((run) => [run.pipeline, run.partitionKey ?? null, run.id]).sort(), [
        ['p', null, A],
        ['p', 'k1', B],
      ]);
    });

    it('a start takes a queued row over, inserts a direct run, and refuses a row that is not queued', async () => {
      const store = createRunStore(db);
      const startedAt = new Date('2026-01-02T03:04:05.678Z');
      await store.start({
        id: A,
        pipeline: 'p',
        dataset: 'd',
        trigger: 'ignored',
        startedAt,
        attempt: 2,
        worker: 'w',
      });
      const a = await getRun(db, A);
      assert.deepEqual(
        [a.status, a.trigger, a.attempt, a.startedAt],
        ['running', 'bulk', 2, startedAt.toISOString()],
      );
      await store.start({
        id: C,
        pipeline: 'p',
        dataset: 'd',
        trigger: 'manual',
        startedAt,
        partitionKey: 'k2',
      });
      const c = await getRun(db, C);
      assert.deepEqual([c.status, c.queuedAt, c.partitionKey], ['running', startedAt.toISOString(), 'k2']);
      await assert.rejects(
        store.start({ id: A, pipeline: 'p', dataset: 'd', trigger: 'manual', startedAt }),
        ConflictError,
      );
      await assert.rejects(
        enqueueRuns(db, [
          { id: D, pipeline: 'p', dataset: 'd', trigger: 'x', jobId: D },
          { id: C, pipeline: 'p', dataset: 'd', trigger: 'x', jobId: C },
        ]),
        ConflictError,
      );
      await assert.rejects(getRun(db, D), /not found/, 'a refused batch writes none of its rows');
    });
  });
}

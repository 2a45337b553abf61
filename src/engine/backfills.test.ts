// The backfill use cases against in-memory ports: what a request stores or refuses, what a pump pass
// starts or fails, and what repair settles; the real stores and queue are in test/engine/backfill.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError, UsageError } from '../domain/errors.ts';
import { parsePartitions } from '../domain/partition-definition.ts';
import type { ResolvedPipeline } from '../domain/pipeline-definition.ts';
import {
  type BackfillProgressStore,
  createBackfillPump,
  type PartitionOutcome,
  type QueueJobState,
} from './backfill-pump.ts';
import { type BackfillRecord, type BackfillStore, createBackfills, type NewBackfill } from './backfills.ts';
import type { Logger } from './ports.ts';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

const weekly = {
  name: 'weekly_obs',
  into: { name: 'readings' },
  partitioning: parsePartitions('weekly_obs', {
    time: { every: 'weekly', start: '2025-01-01' },
    keys: { name: 'site', values: ['annecy', 'chambery'] },
  }),
} as unknown as ResolvedPipeline;
const unpartitioned = { name: 'daily', into: { name: 'readings' } } as unknown as ResolvedPipeline;

function pipelines(...known: ResolvedPipeline[]) {
  return (name: string): ResolvedPipeline => {
    const found = known.find((pipeline) => pipeline.name === name);
    if (!found) throw new NotFoundError(`pipeline "${name}" is not defined`);
    return found;
  };
}

describe('createBackfills', () => {
  const created: NewBackfill[] = [];
  const store = {
    async create(backfill: NewBackfill) {
      created.push(backfill);
      return { id: backfill.id, total: backfill.plan.partitions.length } as BackfillRecord;
    },
  } as BackfillStore;
  const backfills = createBackfills({
    store,
    pipeline: pipelines(weekly, unpartitioned),
    keySets: async () => new Map(),
    newId: () => 'b-1',
    workHere: async () => ({ stop: async () => {} }),
  });

  it('stores the planned partitions pending, with the default concurrency', async () => {
    const record = await backfills.request({
      pipeline: 'weekly_obs',
      from: '2025-01-06',
      to: '2025-01-19',
      createdBy: 'test',
    });
    assert.deepEqual(record, { id: 'b-1', total: 4 });
    assert.equal(created[0]?.pipeline, 'weekly_obs');
    assert.equal(created[0]?.concurrency, 10);
    assert.deepEqual(
      created[0]?.plan.partitions.map((p) => p.partitionKey),
      ['2025-W02|site=annecy', '2025-W02|site=chambery', '2025-W03|site=annecy', '2025-W03|site=chambery'],
    );
  });

  it('refuses a pipeline without partitions and a concurrency out of range, as usage errors', async () => {
    await assert.rejects(
      backfills.request({ pipeline: 'daily', createdBy: 'test' }),
      (error) => error instanceof UsageError && /has no partitions/.test(error.message),
    );
    await assert.rejects(
      backfills.request({
        pipeline: 'weekly_obs',
        from: '2025-01-06',
        to: '2025-01-12',
        concurrency: 1001,
        createdBy: 'test',
      }),
      /concurrency must be a whole number from 1 to 1000, got 1001/,
    );
    await assert.rejects(backfills.request({ pipeline: 'nope', createdBy: 'test' }), NotFoundError);
  });
});

/** A progress store that records what the pump asked of it. */
function progressStore(state: {
  active: Array<{ id: string; pipeline: string }>;
  long?: Array<{ backfillId: string; partitionKey: string; jobId: string }>;
  lastRuns?: Record<string, { id: string; status: string; error: string | null }>;
}) {
  const calls = {
    dispatched: [] as Array<[string, string]>,
    failed: [] as Array<[string, string]>,
    abandoned: [] as string[],
    settled: [] as PartitionOutcome[],
  };
  const store: BackfillProgressStore = {
    progressing: async (maxActive) => state.active.slice(0, maxActive),
    async dispatch(backfillId, dataset) {
      calls.dispatched.push([backfillId, dataset]);
      return { dispatched: [], finished: undefined };
    },
    async fail(backfillId, error) {
      calls.failed.push([backfillId, error]);
    },
    longRunning: async () => state.long ?? [],
    lastRunOfJob: async (jobId) => state.lastRuns?.[jobId],
    async abandonJobRuns(jobId) {
      calls.abandoned.push(jobId);
    },
    async settle(outcome) {
      calls.settled.push(outcome);
      return outcome.jobId === 'j-stale' ? undefined : 'b-1';
    },
  };
  return { store, calls };
}

describe('createBackfillPump', () => {
  const options = { maxActive: 2, repairAfterSeconds: 60 };

  it('starts the oldest maxActive backfills into their dataset and fails one whose pipeline is gone', async () => {
    const { store, calls } = progressStore({
      active: [
        { id: 'b-1', pipeline: 'gone' },
        { id: 'b-2', pipeline: 'weekly_obs' },
        { id: 'b-3', pipeline: 'weekly_obs' },
      ],
    });
    const pump = createBackfillPump(
      { progress: store, jobState: async () => 'missing', pipeline: pipelines(weekly), logger: silent },
      options,
    );
    await pump.pass();
    assert.deepEqual(calls.failed, [['b-1', 'pipeline "gone" is not defined']]);
    assert.deepEqual(calls.dispatched, [['b-2', 'readings']]);
  });

  it('repairs partitions whose job is over: with its finished run, or failed with the reason', async () => {
    const states: Record<string, QueueJobState> = {
      'j-active': 'active',
      'j-done': 'completed',
      'j-lost': 'missing',
      'j-stale': 'failed',
    };
    const { store, calls } = progressStore({
      active: [],
      long: Object.keys(states).map((jobId) => ({ backfillId: 'b-1', partitionKey: jobId, jobId })),
      lastRuns: {
        'j-done': { id: 'r-done', status: 'succeeded', error: null },
        'j-lost': { id: 'r-lost', status: 'running', error: null },
      },
    });
    const pump = createBackfillPump(
      {
        progress: store,
        jobState: async (jobId) => states[jobId] ?? 'missing',
        pipeline: pipelines(weekly),
        logger: silent,
      },
      options,
    );
    // j-stale settles nothing (a newer attempt owns the partition), so it is not counted.
    assert.equal(await pump.repair(), 2);
    assert.deepEqual(calls.abandoned, ['j-lost', 'j-stale']);
    const reason = (state: string) =>
      `its queue job ended (${state}) before the run finished: the workers running it stopped on every attempt`;
    assert.deepEqual(calls.settled, [
      { jobId: 'j-done', runId: 'r-done', state: 'succeeded', error: null },
      { jobId: 'j-lost', runId: 'r-lost', state: 'failed', error: reason('missing') },
      { jobId: 'j-stale', runId: 'j-stale', state: 'failed', error: reason('failed') },
    ]);
  });
});

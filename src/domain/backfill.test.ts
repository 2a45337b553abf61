// Backfill plans over weeks × keys, the action table, how a backfill ends, and progress figures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  backfillAfter,
  backfillProgress,
  emptyPartitionCounts,
  type PartitionCounts,
  partitionStateOfRun,
  planBackfill,
  retriedStates,
  settledStatus,
} from './backfill.ts';
import { ConflictError, UsageError } from './errors.ts';
import { parsePartitions } from './partition-definition.ts';

const weeklySites = parsePartitions('obs', {
  time: { every: 'weekly', start: '2025-01-01', timezone: 'Europe/Paris' },
  keys: { name: 'site', values: ['annecy', 'chambery', 'lyon'] },
});

const counts = (partial: Partial<PartitionCounts>): PartitionCounts => {
  const all = { ...emptyPartitionCounts(), ...partial };
  all.total = all.pending + all.running + all.succeeded + all.failed + all.skipped + all.cancelled;
  return all;
};

describe('planBackfill', () => {
  it('plans 52 weeks × keys in run order, with the grid position of each partition', () => {
    const plan = planBackfill(weeklySites, { from: '2025-01-06', to: '2026-01-04' });
    assert.equal(plan.partitions.length, 52 * 3);
    assert.deepEqual(plan.partitions[0], {
      ordinal: 0,
      partitionKey: '2025-W02|site=annecy',
      timeKey: '2025-W02',
      rowKey: 'site=annecy',
    });
    assert.equal(plan.partitions.at(-1)?.partitionKey, '2026-W01|site=lyon');
    assert.deepEqual(
      plan.partitions.map((p) => p.ordinal),
      plan.partitions.map((_, index) => index),
    );
  });

  it('includes the whole `to` day and the week it falls in; keys filter rows', () => {
    const plan = planBackfill(weeklySites, { from: '2025-01-08', to: '2025-01-13', keys: ['lyon'] });
    assert.deepEqual(
      plan.partitions.map((p) => p.partitionKey),
      ['2025-W02|site=lyon', '2025-W03|site=lyon'],
    );
  });

  it('refuses a missing, reversed or malformed range and unknown keys, as usage errors', () => {
    assert.throws(() => planBackfill(weeklySites, { from: '2025-01-06' }), UsageError);
    assert.throws(
      () => planBackfill(weeklySites, { from: '2025-02-01', to: '2025-01-01' }),
      /is before --from/,
    );
    assert.throws(
      () => planBackfill(weeklySites, { from: '06/01/2025', to: '2025-01-01' }),
      (error: unknown) => error instanceof UsageError && /--from must be a date/.test(error.message),
    );
    assert.throws(
      () => planBackfill(weeklySites, { from: '2025-01-06', to: '2025-01-12', keys: ['paris'] }),
      /no partition has site=paris/,
    );
    assert.throws(
      () => planBackfill(weeklySites, { from: '2024-01-01', to: '2024-06-01' }),
      /no partition between/,
    );
    const keysOnly = parsePartitions('k', { keys: { name: 'site', values: ['a', 'b'] } });
    assert.equal(planBackfill(keysOnly, {}).partitions.length, 2);
    assert.throws(
      () => planBackfill(keysOnly, { from: '2025-01-01', to: '2025-01-02' }),
      /no time partitions/,
    );
  });
});

describe('backfill actions', () => {
  it('moves between states as the table says, and refuses the rest with a conflict', () => {
    assert.equal(backfillAfter('active', 'pause'), 'paused');
    assert.equal(backfillAfter('paused', 'resume'), 'active');
    assert.equal(backfillAfter('paused', 'cancel'), 'cancelled');
    assert.equal(backfillAfter('failed', 'retry-failed'), 'active');
    assert.equal(backfillAfter('paused', 'retry-failed'), 'paused');
    assert.throws(() => backfillAfter('completed', 'pause'), ConflictError);
    assert.throws(() => backfillAfter('active', 'resume'), /cannot resume a backfill that is active/);
    assert.throws(() => backfillAfter('cancelled', 'cancel'), ConflictError);
    assert.deepEqual(retriedStates('cancelled'), ['failed', 'cancelled']);
    assert.deepEqual(retriedStates('failed'), ['failed']);
  });

  it('ends completed, failed or cancelled only once nothing is pending or running', () => {
    assert.equal(settledStatus('active', counts({ succeeded: 3, running: 1 })), undefined);
    assert.equal(settledStatus('active', counts({ succeeded: 3, skipped: 1 })), 'completed');
    assert.equal(settledStatus('active', counts({ succeeded: 3, failed: 1 })), 'failed');
    assert.equal(settledStatus('cancelled', counts({ succeeded: 1, cancelled: 3 })), 'cancelled');
    assert.equal(settledStatus('paused', counts({ pending: 2 })), undefined);
    assert.equal(partitionStateOfRun('partial'), 'succeeded');
    assert.equal(partitionStateOfRun('failed'), 'failed');
    assert.equal(partitionStateOfRun('cancelled'), 'cancelled');
  });

  it('reports progress, rate and time left', () => {
    const progress = backfillProgress(counts({ succeeded: 30, failed: 10, pending: 40, running: 0 }), 60_000);
    assert.deepEqual(progress, { done: 40, fraction: 0.5, perMinute: 40, etaMs: 60_000 });
    assert.equal(backfillProgress(counts({ pending: 5 }), 1000).etaMs, undefined);
  });
});

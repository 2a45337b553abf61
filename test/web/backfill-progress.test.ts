// The backfills page's progress math: done share, partitions per minute and time left, no browser.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BackfillSummary } from '../../web/src/api/types.ts';
import { backfillProgress, canSteer } from '../../web/src/pages/backfills/backfill-progress.ts';

const CREATED = Date.parse('2025-03-01T10:00:00Z');

function backfill(overrides: Partial<BackfillSummary> & Pick<BackfillSummary, 'counts'>): BackfillSummary {
  return {
    id: '00000000-0000-4000-8000-000000000000',
    pipeline: 'weekly_obs',
    status: 'active',
    from: '2025-01-06',
    to: '2025-03-30',
    keys: [],
    concurrency: 2,
    total: overrides.counts.total,
    createdBy: 'api:t',
    createdAt: new Date(CREATED).toISOString(),
    updatedAt: new Date(CREATED + 60_000).toISOString(),
    finishedAt: null,
    error: null,
    ...overrides,
  };
}

const counts = (done: number, pending: number) => ({
  total: done + pending,
  pending,
  running: 0,
  succeeded: done - 1,
  failed: 1,
  skipped: 0,
  cancelled: 0,
});

describe('backfill progress', () => {
  it('counts every finished state as done and projects the rest at the rate so far', () => {
    const progress = backfillProgress(backfill({ counts: counts(40, 40) }), CREATED + 2 * 60_000);
    assert.deepEqual(progress, { done: 40, total: 80, fraction: 0.5, perMinute: 20, etaMs: 120_000 });
  });

  it('stops the clock when it finished, and gives no time left unless active', () => {
    const finished = backfill({
      status: 'failed',
      counts: counts(30, 0),
      finishedAt: new Date(CREATED + 3 * 60_000).toISOString(),
    });
    assert.deepEqual(backfillProgress(finished, CREATED + 60 * 60_000), {
      done: 30,
      total: 30,
      fraction: 1,
      perMinute: 10,
      etaMs: undefined,
    });
    const paused = backfillProgress(
      backfill({ status: 'paused', counts: counts(1, 1039) }),
      CREATED + 60_000,
    );
    assert.equal(paused.perMinute, 1, 'one partition in a minute, not in the few ms before the pause');
    assert.equal(paused.etaMs, undefined);
  });

  it('has no rate and no time left before anything is done', () => {
    const fresh = backfillProgress(
      backfill({ counts: { ...counts(1, 9), succeeded: 0, failed: 0, pending: 10 } }),
      CREATED,
    );
    assert.deepEqual([fresh.done, fresh.perMinute, fresh.etaMs], [0, 0, undefined]);
  });

  it('lets analysts and admins steer, not viewers', () => {
    assert.deepEqual(['viewer', 'analyst', 'admin', undefined].map(canSteer), [false, true, true, false]);
  });
});

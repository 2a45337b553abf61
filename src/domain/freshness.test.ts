// Freshness math with fixed dates: series age and status, dataset and project statuses, transitions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assessSeries,
  compareStalest,
  countStatuses,
  datasetStatus,
  FreshnessEvent,
  formatAge,
  formatSeries,
  freshnessCutoff,
  isHealthy,
  projectStatus,
  refreshTargets,
  transitionEvent,
} from './freshness.ts';

const HOUR = 3_600_000;
const NOW = new Date('2026-03-02T12:00:00Z');

describe('freshness', () => {
  it('a series is fresh up to exactly maxAge, stale after it, never without a record', () => {
    assert.deepEqual(assessSeries(new Date('2026-03-01T10:00:00Z'), 26 * HOUR, NOW), {
      status: 'fresh',
      ageMs: 26 * HOUR,
      staleAt: NOW,
    });
    const late = assessSeries(new Date('2026-03-01T09:59:59Z'), 26 * HOUR, NOW);
    assert.equal(late.status, 'stale');
    assert.equal(late.ageMs, 26 * HOUR + 1000);
    assert.deepEqual(assessSeries(null, 26 * HOUR, NOW), { status: 'never', ageMs: null, staleAt: null });
    // Forecasts carry future times: a negative age is fresh.
    const future = assessSeries(new Date('2026-03-03T00:00:00Z'), HOUR, NOW);
    assert.equal(future.status, 'fresh');
    assert.equal(future.ageMs, -12 * HOUR);
    assert.deepEqual(freshnessCutoff(NOW, 26 * HOUR), new Date('2026-03-01T10:00:00Z'));
  });

  it('a dataset is healthy when all series are fresh, degraded when some are not, stale when none is', () => {
    assert.equal(datasetStatus(countStatuses(['fresh', 'fresh'])), 'healthy');
    assert.equal(datasetStatus(countStatuses(['fresh', 'stale'])), 'degraded');
    assert.equal(datasetStatus(countStatuses(['fresh', 'never'])), 'degraded');
    assert.equal(datasetStatus(countStatuses(['stale', 'never'])), 'stale');
    assert.equal(datasetStatus(countStatuses([])), 'stale', 'no series at all: nothing ever arrived');
  });

  it('the project ignores unmonitored datasets', () => {
    assert.equal(projectStatus([]), 'unmonitored');
    assert.equal(projectStatus(['unmonitored']), 'unmonitored');
    assert.equal(projectStatus(['healthy', 'unmonitored']), 'healthy');
    assert.equal(projectStatus(['healthy', 'stale']), 'degraded');
    assert.equal(projectStatus(['degraded', 'healthy']), 'degraded');
    assert.equal(projectStatus(['stale', 'stale', 'unmonitored']), 'stale');
    assert.ok(isHealthy('unmonitored') && isHealthy('healthy'));
    assert.ok(!isHealthy('degraded') && !isHealthy('stale'));
  });

  it('publishes fresh → stale, stale → fresh and never → fresh, and nothing else', () => {
    assert.equal(transitionEvent('fresh', 'stale'), FreshnessEvent.stale);
    assert.equal(transitionEvent('stale', 'fresh'), FreshnessEvent.fresh);
    assert.equal(transitionEvent(null, 'fresh'), FreshnessEvent.fresh);
    assert.equal(transitionEvent('never', 'fresh'), FreshnessEvent.fresh);
    assert.equal(transitionEvent(null, 'stale'), undefined);
    assert.equal(transitionEvent('stale', 'stale'), undefined);
    assert.equal(transitionEvent('fresh', 'fresh'), undefined);
  });

  it('ranks series without records first, then by when they became stale', () => {
    const at = (iso: string | null) => ({ staleAt: iso === null ? null : new Date(iso), name: iso });
    const sorted = [
      at('2026-03-02T00:00:00Z'),
      at(null),
      at('2026-03-01T00:00:00Z'),
      at('2026-03-03T00:00:00Z'),
    ]
      .sort(compareStalest)
      .map((entry) => entry.name);
    assert.deepEqual(sorted, [null, '2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z', '2026-03-03T00:00:00Z']);
  });

  it('formats ages and series keys for people', () => {
    assert.equal(formatAge(null), '-');
    assert.equal(formatAge(45_000), '45s');
    assert.equal(formatAge(12 * 60_000), '12m');
    assert.equal(formatAge(5 * HOUR + 3 * 60_000), '5h 3m');
    assert.equal(formatAge(26 * HOUR), '26h');
    assert.equal(formatAge(52 * HOUR), '2d 4h');
    assert.equal(formatAge(-3 * HOUR), 'in 3h');
    assert.equal(formatSeries({ base: 'EUR', quote: 'USD' }), 'base=EUR quote=USD');
    assert.equal(formatSeries({}), '(dataset)');
  });
});

describe('refresh targets', () => {
  it('runs each pipeline feeding a stale dataset once, stalest first', () => {
    const pipelines = [
      { name: 'rates_ecb', into: { name: 'rates' } },
      { name: 'weather', into: { name: 'readings' } },
      { name: 'rates_backup', into: { name: 'rates' } },
    ];
    const series = [
      { dataset: 'readings' },
      { dataset: 'rates' },
      { dataset: 'rates' },
      { dataset: 'orphan' },
    ];
    assert.deepEqual(refreshTargets(series, pipelines), [
      { pipeline: 'weather', dataset: 'readings' },
      { pipeline: 'rates_ecb', dataset: 'rates' },
      { pipeline: 'rates_backup', dataset: 'rates' },
    ]);
  });
});

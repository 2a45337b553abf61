// The freshness section against in-memory ports: what refresh triggers, skips and reports, and what
// a monitor pass records, publishes and survives; the real store is in test/engine/freshness.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DatasetDefinition } from '../domain/dataset-definition.ts';
import { ConflictError, UsageError } from '../domain/errors.ts';
import type { SluiceConfig } from '../domain/pipeline-definition.ts';
import { createFreshness, type SeriesFreshness } from './freshness.ts';
import type { FreshnessEventRecord, SeriesStatusChange } from './freshness-monitor.ts';
import type { Logger } from './ports.ts';

const lines: string[] = [];
const logger: Logger = {
  debug() {},
  info: (_, message) => lines.push(`info ${message}`),
  warn: (_, message) => lines.push(`warn ${message}`),
  error: (_, message) => lines.push(`error ${message}`),
  child: () => logger,
};
const NOW = new Date('2026-03-03T03:00:00Z');
const rule = { maxAgeMs: 2 * 3_600_000, maxAge: '2h', series: [] };
const readings = { name: 'readings', freshness: rule } as unknown as DatasetDefinition;
const rates = { name: 'rates', freshness: rule } as unknown as DatasetDefinition;
const archive = { name: 'archive', freshness: undefined } as unknown as DatasetDefinition;
const config = {
  datasets: new Map([
    ['readings', readings],
    ['rates', rates],
    ['archive', archive],
  ]),
  pipelines: new Map([
    ['readings_a', { name: 'readings_a', into: { name: 'readings' } }],
    ['readings_b', { name: 'readings_b', into: { name: 'readings' } }],
  ]),
} as unknown as SluiceConfig;

const series = (dataset: string): SeriesFreshness => ({
  dataset,
  series: {},
  status: 'stale',
  lastTime: '2026-03-02T10:00:00.000Z',
  ageMs: 17 * 3_600_000,
  age: '17h',
  maxAge: '2h',
  staleAt: '2026-03-02T12:00:00.000Z',
  provider: null,
  lastRunId: null,
  updatedAt: null,
  statusChangedAt: null,
});

function freshnessWith(changes: Map<string, SeriesStatusChange[] | Error>) {
  const published: FreshnessEventRecord[] = [];
  const asked: Array<{ now: Date; limit: number }> = [];
  const freshness = createFreshness({
    store: {
      report: async () => ({ status: 'stale', checkedAt: NOW.toISOString(), datasets: [] }),
      async stalest(query) {
        asked.push(query);
        return [series('readings'), series('rates')];
      },
      ensureSummary: async () => {},
      async recordStatusChanges(change, eventsOf) {
        const found = changes.get(change.dataset) ?? [];
        if (found instanceof Error) throw found;
        published.push(...eventsOf(found));
        return found;
      },
    },
    activeRun: async () => undefined,
    project: { config },
    clock: { now: () => NOW },
    logger,
  });
  return { freshness, published, asked };
}

describe('createFreshness', () => {
  it('triggers each feeding pipeline once, reports refusals as skipped and datasets nobody feeds', async () => {
    const { freshness, asked } = freshnessWith(new Map());
    const outcome = await freshness.refresh({ limit: 10 }, 'freshness:api:ops', async (pipeline, trigger) => {
      assert.equal(trigger, 'freshness:api:ops');
      if (pipeline === 'readings_b')
        throw new ConflictError('pipeline "readings_b" already has an active run');
      return `run-of-${pipeline}`;
    });
    assert.deepEqual(asked, [{ limit: 10, now: NOW }], 'a query without now reads the clock');
    assert.deepEqual(outcome.triggered, [
      { pipeline: 'readings_a', dataset: 'readings', runId: 'run-of-readings_a' },
    ]);
    assert.deepEqual(
      outcome.skipped.map((entry) => [entry.pipeline, entry.reason]),
      [['readings_b', 'pipeline "readings_b" already has an active run']],
    );
    assert.deepEqual(outcome.datasetsWithoutPipeline, ['rates']);
    assert.deepEqual(Object.keys(outcome.stale[0]!).sort(), [
      'age',
      'dataset',
      'lastTime',
      'series',
      'status',
    ]);
  });

  it('lets other errors of a trigger through', async () => {
    const { freshness } = freshnessWith(new Map());
    await assert.rejects(
      freshness.refresh({ limit: 10 }, 't', async () => {
        throw new Error('queue down');
      }),
      /queue down/,
    );
    const usage = await freshness.refresh({ limit: 10 }, 't', async () => {
      throw new UsageError('partitioned');
    });
    assert.equal(usage.skipped.length, 2);
  });

  it('publishes an event only for changes that alert, and a failing dataset does not stop the pass', async () => {
    lines.length = 0;
    const { freshness, published } = freshnessWith(
      new Map<string, SeriesStatusChange[] | Error>([
        [
          'readings',
          [
            {
              series: {},
              lastTime: new Date('2026-03-02T10:00:00Z'),
              provider: 'p',
              previous: 'fresh',
              status: 'stale',
            },
          ],
        ],
        ['rates', new Error('lock timeout')],
      ]),
    );
    const transitions = await freshness.check(NOW);
    assert.deepEqual(
      transitions.map((t) => [t.dataset, t.previous, t.status, t.event, t.ageMs]),
      [['readings', 'fresh', 'stale', 'freshness:stale', 17 * 3_600_000]],
    );
    assert.deepEqual(published, [
      {
        type: 'freshness:stale',
        payload: {
          dataset: 'readings',
          series: {},
          status: 'stale',
          previous: 'fresh',
          lastTime: '2026-03-02T10:00:00.000Z',
          age: '17h',
          ageMs: 17 * 3_600_000,
          maxAge: '2h',
          provider: 'p',
          at: NOW.toISOString(),
        },
      },
    ]);
    assert.equal(lines.filter((line) => line.startsWith('warn freshness: readings')).length, 1);
    assert.deepEqual(
      lines.filter((line) => line.startsWith('error')),
      ['error freshness check failed: lock timeout'],
    );
  });
});

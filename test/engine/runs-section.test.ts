// The runs and quarantine sections page over their stores and resolve run prefixes, without a database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '../../src/engine/ports.ts';
import {
  createQuarantine,
  type QuarantinedRecord,
  type QuarantineFilter,
} from '../../src/engine/quarantine.ts';
import { createRuns, type RunFilter, type RunRecord } from '../../src/engine/runs.ts';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

function run(id: string, queuedAt: string): RunRecord {
  return {
    id,
    pipeline: 'p',
    dataset: 'd',
    status: 'succeeded',
    trigger: 'manual',
    partitionKey: null,
    attempt: 1,
    queuedAt,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    fetched: 0,
    produced: 0,
    valid: 0,
    rejected: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    duplicateKeys: 0,
    provider: null,
    errors: [],
    upstreamExecutionId: null,
  };
}

const notUsed = () => Promise.reject(new Error('not used'));

describe('runs section', () => {
  const stored = [
    run('c', '2025-01-03T00:00:00.000Z'),
    run('b', '2025-01-02T00:00:00.000Z'),
    run('a', '2025-01-01T00:00:00.000Z'),
  ];
  const asked: RunFilter[] = [];
  const runs = createRuns({
    store: {
      async list(filter) {
        asked.push(filter);
        return stored.slice(0, filter.limit);
      },
      get: notUsed,
      resolveId: notUsed,
    },
    cancel: notUsed,
    replay: notUsed,
    logger: silent,
  });

  it('asks one more than the limit and says where the next page starts', async () => {
    const page = await runs.list({ pipeline: 'p', limit: 2 });
    assert.deepEqual(asked.at(-1), { pipeline: 'p', limit: 3 });
    assert.deepEqual(
      page.runs.map((r) => r.id),
      ['c', 'b'],
    );
    assert.deepEqual(page.next, { queuedAt: '2025-01-02T00:00:00.000Z', id: 'b' });
  });

  it('has no next page when the store has no more', async () => {
    const page = await runs.list({ limit: 3 });
    assert.equal(page.runs.length, 3);
    assert.equal(page.next, null);
  });
});

describe('quarantine section', () => {
  const asked: QuarantineFilter[] = [];
  const quarantine = createQuarantine({
    store: {
      async list(filter) {
        asked.push(filter);
        return [{ id: 9 }, { id: 7 }, { id: 4 }].slice(0, filter.limit) as QuarantinedRecord[];
      },
    },
    resolveRunId: async (text) => `${text}-full`,
  });

  it('resolves the run prefix, pages by id and says the next beforeId', async () => {
    const page = await quarantine.list({ run: 'abcdef01', pending: true, limit: 2 });
    assert.deepEqual(asked.at(-1), { runId: 'abcdef01-full', pending: true, limit: 3 });
    assert.deepEqual(
      page.records.map((r) => r.id),
      [9, 7],
    );
    assert.equal(page.next, 7);
  });

  it('lists every run when none is named, and ends on the last page', async () => {
    const page = await quarantine.list({ limit: 5 });
    assert.deepEqual(asked.at(-1), { runId: undefined, limit: 6 });
    assert.equal(page.next, null);
  });
});

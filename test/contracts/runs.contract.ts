// The run history contract: what a RunStore writes is what RunQueries reads, in every implementation
// (memory, PGlite, PostgreSQL), BullMQ-conformance style: one suite, run by runs.test.ts against each.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConflictError, NotFoundError, UsageError } from '../../src/domain/errors.ts';
import type { RunCounts, RunStatus } from '../../src/domain/run-status.ts';
import type { FinishedRun, RunReport, RunStore } from '../../src/engine/ports.ts';
import type { RunDetail, RunQueries } from '../../src/engine/runs.ts';

export interface RunsSubject {
  store: RunStore;
  queries: RunQueries;
  close(): Promise<void>;
}

export interface RunsImplementation {
  kind: string;
  skip: string | false;
  /** An empty history; one per suite, so each test below uses its own pipeline and id range. */
  open(): Promise<RunsSubject>;
}

const T0 = new Date('2026-03-02T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
/** A run id in test `group`: 8 hex of the group, then the number. */
const runId = (group: string, n: number) => `${group}-0000-4000-8000-${String(n).padStart(12, '0')}`;

const COUNTS: RunCounts = {
  fetched: 5,
  produced: 6,
  valid: 4,
  rejected: 2,
  inserted: 3,
  updated: 1,
  unchanged: 0,
};

function finished(id: string, status: RunStatus, finishedAt: Date): FinishedRun {
  const report: RunReport = {
    runId: id,
    pipeline: 'p',
    dataset: 'd',
    status,
    dryRun: false,
    // Undefined, as in a report of a run whose source never answered: JSON leaves the key out.
    provider: undefined,
    counts: COUNTS,
    filtered: 0,
    duplicateKeys: 1,
    warnings: [],
    quality: {
      input: 5,
      produced: 6,
      valid: 4,
      rejected: 2,
      warned: 0,
      errorRate: 1 / 3,
      maxErrorRate: null,
      issues: [{ code: 'too_big', path: 'temp', count: 2 }],
      warnings: [],
      samples: [],
    },
    errors: [],
    timings: {
      startedAt: T0.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: 1500,
      writeMs: 20,
    },
  };
  return {
    status,
    counts: COUNTS,
    provider: undefined,
    duplicateKeys: 1,
    finishedAt,
    durationMs: 1500,
    errors: [{ message: 'row 3 refused', code: 'quality_error_rate', at: finishedAt.toISOString() }],
    report,
  };
}

export function runsContract(implementation: RunsImplementation): void {
  describe(`RunStore and RunQueries contract: ${implementation.kind}`, { skip: implementation.skip }, () => {
    let subject: RunsSubject;
    before(async () => {
      subject = await implementation.open();
    });
    after(() => subject?.close());

    const start = (
      id: string,
      pipeline: string,
      startedAt: Date,
      extra: { attempt?: number; partitionKey?: string } = {},
    ) => subject.store.start({ id, pipeline, dataset: 'd', trigger: 'manual', startedAt, ...extra });

    it('reads a started run back as running, then with its progress, then finished', async () => {
      const id = runId('a1a1a1a1', 1);
      await start(id, 'contract_life', T0, { attempt: 2, partitionKey: '2026-W10' });
      const started: RunDetail = {
        id,
        pipeline: 'contract_life',
        dataset: 'd',
        status: 'running',
        trigger: 'manual',
        partitionKey: '2026-W10',
        attempt: 2,
        queuedAt: T0.toISOString(),
        startedAt: T0.toISOString(),
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
        report: null,
      };
      assert.deepEqual(await subject.queries.get(id), started);

      await subject.store.progress(id, { counts: COUNTS, provider: 'upstream' });
      // A progress without a provider keeps the one already known.
      await subject.store.progress(id, { counts: COUNTS, provider: undefined });
      assert.deepEqual(await subject.queries.get(id), { ...started, ...COUNTS, provider: 'upstream' });

      const end = finished(id, 'partial', at(1));
      await subject.store.finish(id, end);
      const { provider: _provider, ...storedReport } = end.report;
      assert.deepEqual(await subject.queries.get(id), {
        ...started,
        ...COUNTS,
        status: 'partial',
        provider: 'upstream',
        finishedAt: at(1).toISOString(),
        durationMs: 1500,
        duplicateKeys: 1,
        errors: end.errors,
        // Stored as JSON: the report as given, without its undefined fields.
        report: storedReport,
      });
    });

    it('starts a run once: a second start is a ConflictError; a finished run takes no more writes', async () => {
      const id = runId('b2b2b2b2', 1);
      await start(id, 'contract_once', T0);
      await assert.rejects(
        start(id, 'contract_once', at(1)),
        (error) =>
          error instanceof ConflictError &&
          error.message === `run ${id} is not queued any more; another attempt owns it`,
      );
      await subject.store.finish(id, finished(id, 'succeeded', at(2)));
      const done = await subject.queries.get(id);
      await subject.store.progress(id, { counts: { ...COUNTS, fetched: 99 }, provider: 'late' });
      await subject.store.finish(id, finished(id, 'failed', at(3)));
      assert.deepEqual(await subject.queries.get(id), done);
      assert.equal(done.status, 'succeeded');
    });

    it('lists newest first (queued time, then id), by pipeline, status and time, in keyset pages', async () => {
      const ids = [1, 2, 3, 4].map((n) => runId('c3c3c3c3', n));
      const [one, two, three, four] = ids as [string, string, string, string];
      await start(one, 'contract_list', at(0));
      await start(two, 'contract_list', at(1));
      await start(three, 'contract_list', at(1));
      await start(four, 'contract_list', at(2));
      await start(runId('c3c3c3c3', 5), 'contract_other', at(1));
      await subject.store.finish(two, finished(two, 'failed', at(3)));

      const list = async (filter: Omit<Parameters<RunQueries['list']>[0], 'pipeline'>) =>
        (await subject.queries.list({ pipeline: 'contract_list', ...filter })).map((run) => run.id);
      assert.deepEqual(await list({ limit: 10 }), [four, three, two, one]);
      assert.deepEqual(await list({ limit: 2 }), [four, three]);
      assert.deepEqual(await list({ status: 'failed', limit: 10 }), [two]);
      assert.deepEqual(await list({ from: at(1), limit: 10 }), [four, three, two]);
      assert.deepEqual(await list({ to: at(1), limit: 10 }), [one]);
      // The cursor sits between the two runs queued at the same time: the page goes on by id.
      assert.deepEqual(await list({ after: { queuedAt: at(1).toISOString(), id: three }, limit: 10 }), [
        two,
        one,
      ]);
      const [listed] = await subject.queries.list({ pipeline: 'contract_list', status: 'failed', limit: 1 });
      const { report: _report, ...record } = await subject.queries.get(two);
      assert.deepEqual(listed, record);
    });

    it('resolves ids: a full UUID as is, a unique prefix with or without dashes; refuses the rest', async () => {
      const lone = runId('d4d4d4d4', 1);
      const twin = [runId('e5e5e5e5', 1), runId('e5e5e5e5', 2)] as const;
      await start(lone, 'contract_ids', at(0));
      await start(twin[0], 'contract_ids', at(1));
      await start(twin[1], 'contract_ids', at(2));

      const unknown = '0f0f0f0f-0000-4000-8000-000000000000';
      assert.equal(await subject.queries.resolveId(unknown.toUpperCase()), unknown);
      assert.equal(await subject.queries.resolveId('d4d4d4d4'), lone);
      assert.equal(await subject.queries.resolveId('D4D4D4D40000'), lone);
      assert.equal(await subject.queries.resolveId('d4d4d4d4-0000-40'), lone);
      assert.equal((await subject.queries.get('d4d4d4d4')).id, lone);

      const refuses = (text: string, type: typeof NotFoundError, message: string) =>
        assert.rejects(
          subject.queries.resolveId(text),
          (error) => error instanceof type && error.message === message,
        );
      await refuses('d4d4', UsageError, 'run id "d4d4" is too short: give at least 8 hex characters');
      await refuses('not-a-run', NotFoundError, 'run "not-a-run" not found: a run id is hexadecimal');
      await refuses('0f0f0f0f', NotFoundError, 'run "0f0f0f0f" not found');
      // Newest first, as a person scanning the list would look for them.
      await refuses(
        'e5e5e5e5',
        ConflictError,
        `run id "e5e5e5e5" is ambiguous; it starts 2 runs: ${twin[1]}, ${twin[0]}`,
      );
      await assert.rejects(
        subject.queries.get(unknown),
        (error) => error instanceof NotFoundError && error.message === `run "${unknown}" not found`,
      );
    });
  });
}

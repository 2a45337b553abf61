// The run history in memory: a RunStore and the RunQueries reading it, held to runs.contract.ts like
// the PostgreSQL stores, for use-case tests that need runs without a database.
import { ConflictError, NotFoundError } from '../../src/domain/errors.ts';
import { emptyCounts } from '../../src/domain/run-status.ts';
import type { RunStore } from '../../src/engine/ports.ts';
import type { RunDetail, RunQueries, RunRecord } from '../../src/engine/runs.ts';
import { resolveMemoryPrefix } from './memory-id-prefix.ts';

/** What jsonb keeps of a value: undefined fields dropped, dates as ISO text. */
const asJsonb = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Newest first by queued time, then by id, as the index on sluice.runs orders them. */
const newestFirst = (a: RunRecord, b: RunRecord) =>
  b.queuedAt.localeCompare(a.queuedAt) || b.id.localeCompare(a.id);

export function createMemoryRuns(): { store: RunStore; queries: RunQueries } {
  const runs = new Map<string, RunDetail>();

  const resolveId = async (text: string): Promise<string> =>
    resolveMemoryPrefix(
      'run',
      text,
      [...runs.values()].sort(newestFirst).map((run) => run.id),
    );

  const running = (runId: string) => {
    const run = runs.get(runId);
    return run?.status === 'running' ? run : undefined;
  };

  const store: RunStore = {
    async start(run) {
      const existing = runs.get(run.id);
      if (existing && existing.status !== 'queued') {
        throw new ConflictError(`run ${run.id} is not queued any more; another attempt owns it`);
      }
      const startedAt = run.startedAt.toISOString();
      runs.set(run.id, {
        id: run.id,
        pipeline: run.pipeline,
        dataset: run.dataset,
        status: 'running',
        trigger: run.trigger,
        partitionKey: existing?.partitionKey ?? run.partitionKey ?? null,
        attempt: run.attempt ?? 1,
        queuedAt: existing?.queuedAt ?? startedAt,
        startedAt,
        finishedAt: null,
        durationMs: null,
        ...emptyCounts(),
        duplicateKeys: 0,
        provider: null,
        errors: [],
        upstreamExecutionId: null,
        report: null,
      });
    },
    async progress(runId, progress) {
      const run = running(runId);
      if (!run) return;
      Object.assign(run, progress.counts, { provider: progress.provider ?? run.provider });
    },
    async finish(runId, finished) {
      const run = running(runId);
      if (!run) return;
      Object.assign(run, finished.counts, {
        status: finished.status,
        provider: finished.provider ?? run.provider,
        finishedAt: finished.finishedAt.toISOString(),
        durationMs: finished.durationMs,
        errors: asJsonb(finished.errors),
        report: asJsonb(finished.report),
        duplicateKeys: finished.duplicateKeys,
      });
    },
  };

  const queries: RunQueries = {
    async list(filter) {
      const from = filter.from?.toISOString();
      const to = filter.to?.toISOString();
      const after = filter.after;
      return [...runs.values()]
        .filter(
          (run) =>
            (filter.pipeline === undefined || run.pipeline === filter.pipeline) &&
            (filter.status === undefined || run.status === filter.status) &&
            (from === undefined || run.queuedAt >= from) &&
            (to === undefined || run.queuedAt < to) &&
            (after === undefined ||
              run.queuedAt < after.queuedAt ||
              (run.queuedAt === after.queuedAt && run.id < after.id)),
        )
        .sort(newestFirst)
        .slice(0, filter.limit)
        .map(({ report: _report, ...record }) => structuredClone(record));
    },
    async get(idOrPrefix) {
      const run = runs.get(await resolveId(idOrPrefix));
      if (!run) throw new NotFoundError(`run "${idOrPrefix}" not found`);
      return structuredClone(run);
    },
    resolveId,
  };
  return { store, queries };
}

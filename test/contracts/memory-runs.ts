// The run history in memory: a RunStore and the RunQueries reading it, held to runs.contract.ts like
// the PostgreSQL stores, for use-case tests that need runs without a database.
import { ConflictError, NotFoundError, UsageError } from '../../src/domain/errors.ts';
import { emptyCounts } from '../../src/domain/run-status.ts';
import type { RunStore } from '../../src/engine/ports.ts';
import type { RunDetail, RunQueries, RunRecord } from '../../src/engine/runs.ts';

const FULL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MIN_PREFIX = 8;

/** What jsonb keeps of a value: undefined fields dropped, dates as ISO text. */
const asJsonb = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Newest first by queued time, then by id, as the index on sluice.runs orders them. */
const newestFirst = (a: RunRecord, b: RunRecord) =>
  b.queuedAt.localeCompare(a.queuedAt) || b.id.localeCompare(a.id);

export function createMemoryRuns(): { store: RunStore; queries: RunQueries } {
  const runs = new Map<string, RunDetail>();

  const resolveId = async (text: string): Promise<string> => {
    const id = text.trim();
    if (FULL_UUID.test(id)) return id.toLowerCase();
    const hex = id.replaceAll('-', '').toLowerCase();
    if (!/^[0-9a-f]*$/.test(hex)) throw new NotFoundError(`run "${text}" not found: a run id is hexadecimal`);
    if (hex.length < MIN_PREFIX) {
      throw new UsageError(`run id "${text}" is too short: give at least ${MIN_PREFIX} hex characters`);
    }
    const matches = [...runs.values()]
      .filter((run) => run.id.replaceAll('-', '').startsWith(hex))
      .sort(newestFirst)
      .slice(0, 6);
    const [first, ...others] = matches;
    if (!first) throw new NotFoundError(`run "${text}" not found`);
    if (others.length > 0) {
      const count = matches.length > 5 ? 'more than 5 runs' : `${matches.length} runs`;
      const listed = matches
        .slice(0, 5)
        .map((run) => run.id)
        .join(', ');
      throw new ConflictError(`run id "${text}" is ambiguous; it starts ${count}: ${listed}`);
    }
    return first.id;
  };

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

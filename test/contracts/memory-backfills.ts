// Backfills in memory: a BackfillStore held to backfills.contract.ts like the PostgreSQL one, with the
// state rules of domain/backfill.ts, for use-case tests that need stored backfills without a database.
import {
  type BackfillStatus,
  backfillAfter,
  emptyPartitionCounts,
  retriedStates,
  settledStatus,
} from '../../src/domain/backfill.ts';
import { ConflictError, NotFoundError } from '../../src/domain/errors.ts';
import type { BackfillPartitionRecord, BackfillRecord, BackfillStore } from '../../src/engine/backfills.ts';
import type { Clock } from '../../src/engine/ports.ts';
import { resolveMemoryPrefix } from './memory-id-prefix.ts';

interface Stored {
  record: Omit<BackfillRecord, 'counts'>;
  partitions: BackfillPartitionRecord[];
  /** Creation order: ties of createdAt within a millisecond still list newest first. */
  sequence: number;
}

export function createMemoryBackfillStore(clock: Clock = { now: () => new Date() }): BackfillStore {
  const backfills = new Map<string, Stored>();
  let sequence = 0;
  const now = () => clock.now().toISOString();
  const newestFirst = () => [...backfills.values()].sort((a, b) => b.sequence - a.sequence);

  const view = ({ record, partitions }: Stored): BackfillRecord => {
    const counts = emptyPartitionCounts();
    for (const partition of partitions) {
      counts[partition.status] += 1;
      counts.total += 1;
    }
    return structuredClone({ ...record, counts });
  };
  const find = (idOrPrefix: string): Stored => {
    const id = resolveMemoryPrefix(
      'backfill',
      idOrPrefix,
      newestFirst().map((stored) => stored.record.id),
    );
    const stored = backfills.get(id);
    if (!stored)
      throw new NotFoundError(`backfill ${idOrPrefix} does not exist (sluice backfill list shows them)`);
    return stored;
  };
  const setStatus = (stored: Stored, status: BackfillStatus) => {
    stored.record.status = status;
    stored.record.updatedAt = now();
    if (status === 'active' || status === 'paused') stored.record.finishedAt = null;
  };
  const finishIfSettled = (stored: Stored) => {
    const record = view(stored);
    const next = settledStatus(record.status, record.counts);
    if (next === undefined || (next === record.status && record.finishedAt !== null)) return;
    stored.record.status = next;
    stored.record.finishedAt = now();
    stored.record.updatedAt = now();
  };

  return {
    async create(backfill) {
      const at = now();
      const stored: Stored = {
        sequence: ++sequence,
        record: {
          id: backfill.id,
          pipeline: backfill.pipeline,
          status: 'active',
          from: backfill.plan.from ?? null,
          to: backfill.plan.to ?? null,
          keys: [...backfill.keys],
          concurrency: backfill.concurrency,
          total: backfill.plan.partitions.length,
          createdBy: backfill.createdBy,
          createdAt: at,
          updatedAt: at,
          finishedAt: null,
          error: null,
        },
        partitions: backfill.plan.partitions.map((planned) => ({
          ordinal: planned.ordinal,
          partition: planned.partitionKey,
          timeKey: planned.timeKey ?? null,
          rowKey: planned.rowKey ?? null,
          status: 'pending',
          attempts: 0,
          runId: null,
          lastError: null,
          startedAt: null,
          finishedAt: null,
        })),
      };
      backfills.set(backfill.id, stored);
      return view(stored);
    },
    get: async (idOrPrefix) => view(find(idOrPrefix)),
    async list(filter) {
      return newestFirst()
        .filter(
          ({ record }) =>
            (filter.pipeline === undefined || record.pipeline === filter.pipeline) &&
            (filter.status === undefined || record.status === filter.status),
        )
        .slice(0, filter.limit ?? 50)
        .map(view);
    },
    async partitions(id) {
      const stored = backfills.get(id);
      return structuredClone(stored?.partitions.toSorted((a, b) => a.ordinal - b.ordinal) ?? []);
    },
    async apply(idOrPrefix, action) {
      const stored = find(idOrPrefix);
      const { status } = stored.record;
      const next = backfillAfter(status, action);
      if (action === 'cancel') {
        for (const partition of stored.partitions.filter((p) => p.status === 'pending')) {
          partition.status = 'cancelled';
          partition.finishedAt = now();
        }
      }
      if (action === 'retry-failed') {
        const retried = stored.partitions.filter((p) => retriedStates(status).includes(p.status));
        if (retried.length === 0 && status !== 'active' && status !== 'paused') {
          throw new ConflictError(`backfill ${stored.record.id} has no failed partitions to retry`);
        }
        for (const partition of retried) {
          partition.status = 'pending';
          partition.finishedAt = null;
        }
      }
      setStatus(stored, next);
      finishIfSettled(stored);
      return view(stored);
    },
    async retryPartition(idOrPrefix, partitionKey) {
      const stored = find(idOrPrefix);
      const partition = stored.partitions.find((p) => p.partition === partitionKey);
      if (!partition)
        throw new NotFoundError(`backfill ${stored.record.id} has no partition "${partitionKey}"`);
      if (partition.status === 'running' || partition.status === 'pending') {
        throw new ConflictError(
          `partition "${partitionKey}" is ${partition.status}; it will run without a retry`,
        );
      }
      partition.status = 'pending';
      partition.finishedAt = null;
      if (stored.record.status !== 'active' && stored.record.status !== 'paused') setStatus(stored, 'active');
      return view(stored);
    },
  };
}

// The backfills section of the application: request one over a range of partitions, read them,
// the actions (pause, resume, cancel, retry-failed, retry one partition), and working on them here.
import {
  type BackfillAction,
  type BackfillPlan,
  type BackfillStatus,
  backfillDefaults,
  MAX_BACKFILL_CONCURRENCY,
  type PartitionCounts,
  type PartitionState,
  planBackfill,
} from '../domain/backfill.ts';
import { UsageError } from '../domain/errors.ts';
import type { KeySets } from '../domain/partition-set.ts';
import type { ResolvedPipeline } from '../domain/pipeline-definition.ts';

export interface BackfillRecord {
  id: string;
  pipeline: string;
  status: BackfillStatus;
  from: string | null;
  to: string | null;
  keys: string[];
  concurrency: number;
  total: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  error: string | null;
  counts: PartitionCounts;
}

export interface BackfillPartitionRecord {
  ordinal: number;
  partition: string;
  timeKey: string | null;
  rowKey: string | null;
  status: PartitionState;
  attempts: number;
  runId: string | null;
  lastError: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A planned backfill as it is stored: every partition pending. */
export interface NewBackfill {
  id: string;
  pipeline: string;
  plan: BackfillPlan;
  keys: readonly string[];
  concurrency: number;
  createdBy: string;
}

export interface BackfillFilter {
  pipeline?: string | undefined;
  status?: BackfillStatus | undefined;
  /** @defaultValue 50 */
  limit?: number | undefined;
}

export interface BackfillRequestInput {
  pipeline: string;
  from?: string | undefined;
  to?: string | undefined;
  keys?: readonly string[];
  /** @defaultValue backfillDefaults.concurrency */
  concurrency?: number | undefined;
  /** Who asked: `cli:<user>` or `api:<token name>`. */
  createdBy: string;
}

/** One backfill with every partition, in plan order. */
export interface BackfillDetail {
  backfill: BackfillRecord;
  partitions: BackfillPartitionRecord[];
}

/** This process working on backfills until stopped. */
export interface BackfillWork {
  /** Stops starting partitions; running ones get `graceMs`, then go back to the queue for another worker. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Where backfills are kept. Ids may be the 8+ character prefix the CLI prints; an unknown one is a
 * NotFoundError, an action the status does not allow a ConflictError. Each change is atomic.
 */
export interface BackfillStore {
  create(backfill: NewBackfill): Promise<BackfillRecord>;
  get(idOrPrefix: string): Promise<BackfillRecord>;
  list(filter: BackfillFilter): Promise<BackfillRecord[]>;
  /** By the full id. */
  partitions(id: string): Promise<BackfillPartitionRecord[]>;
  apply(idOrPrefix: string, action: BackfillAction): Promise<BackfillRecord>;
  retryPartition(idOrPrefix: string, partitionKey: string): Promise<BackfillRecord>;
}

export interface BackfillsPorts {
  store: BackfillStore;
  /** The pipeline of that name; a NotFoundError otherwise. */
  pipeline(name: string): ResolvedPipeline;
  /** The stored key sets the pipeline's key dimensions read. */
  keySets(pipeline: ResolvedPipeline): Promise<KeySets>;
  newId(): string;
  /** Starts the queue, the backfill pump and `concurrency` backfill workers in this process. */
  workHere(concurrency: number): Promise<BackfillWork>;
}

export interface Backfills {
  /** Plans the pipeline's partitions in range and stores them pending; a UsageError names what is wrong. */
  request(input: BackfillRequestInput): Promise<BackfillRecord>;
  /** Newest first. */
  list(filter?: BackfillFilter): Promise<BackfillRecord[]>;
  get(idOrPrefix: string): Promise<BackfillRecord>;
  detail(idOrPrefix: string): Promise<BackfillDetail>;
  /**
   * Pause, resume, cancel or retry-failed. Pause and cancel let running partitions finish; cancel
   * marks the pending ones cancelled; retry-failed puts failed partitions back to pending.
   */
  apply(idOrPrefix: string, action: BackfillAction): Promise<BackfillRecord>;
  /** Puts one partition back to pending (it may not be running) and reopens a finished backfill. */
  retryPartition(idOrPrefix: string, partitionKey: string): Promise<BackfillRecord>;
  /** Works on backfills in this process (`sluice backfill` follows one this way). */
  work(concurrency: number): Promise<BackfillWork>;
}

export function createBackfills(ports: BackfillsPorts): Backfills {
  const { store } = ports;
  return {
    async request(input) {
      const pipeline = ports.pipeline(input.pipeline);
      const partitioning = pipeline.partitioning;
      if (!partitioning) {
        throw new UsageError(
          `pipeline "${pipeline.name}" has no partitions, so there is nothing to backfill; run it with sluice run ${pipeline.name}`,
        );
      }
      const concurrency = input.concurrency ?? backfillDefaults.concurrency;
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_BACKFILL_CONCURRENCY) {
        throw new UsageError(
          `concurrency must be a whole number from 1 to ${MAX_BACKFILL_CONCURRENCY}, got ${concurrency}`,
        );
      }
      const plan = planBackfill(partitioning, {
        ...(input.from === undefined ? {} : { from: input.from }),
        ...(input.to === undefined ? {} : { to: input.to }),
        keys: input.keys ?? [],
        keySets: await ports.keySets(pipeline),
      });
      return store.create({
        id: ports.newId(),
        pipeline: pipeline.name,
        plan,
        keys: input.keys ?? [],
        concurrency,
        createdBy: input.createdBy,
      });
    },
    list: (filter = {}) => store.list(filter),
    get: (idOrPrefix) => store.get(idOrPrefix),
    async detail(idOrPrefix) {
      const backfill = await store.get(idOrPrefix);
      return { backfill, partitions: await store.partitions(backfill.id) };
    },
    apply: (idOrPrefix, action) => store.apply(idOrPrefix, action),
    retryPartition: (idOrPrefix, partitionKey) => store.retryPartition(idOrPrefix, partitionKey),
    work: (concurrency) => ports.workHere(concurrency),
  };
}

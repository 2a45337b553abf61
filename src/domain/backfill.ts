// What a backfill is: its plan over a range of partitions, the states of the backfill and of each
// partition, which actions apply in which state, and how its outcome follows from its partitions.
import { ConfigError, ConflictError, UsageError } from './errors.ts';
import { parseBoundary, type ResolvedPartitioning } from './partition-definition.ts';
import {
  comparePartitions,
  filterPartitionsByKeys,
  type KeySets,
  listPartitions,
  type Partition,
} from './partition-set.ts';
import type { RunStatus } from './run-status.ts';

export const BackfillStatus = {
  active: 'active',
  paused: 'paused',
  /** Every partition succeeded (or was skipped). */
  completed: 'completed',
  /** Done, with at least one failed partition: retry-failed reopens it. */
  failed: 'failed',
  cancelled: 'cancelled',
} as const;
export type BackfillStatus = (typeof BackfillStatus)[keyof typeof BackfillStatus];

export const PartitionState = {
  pending: 'pending',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
} as const;
export type PartitionState = (typeof PartitionState)[keyof typeof PartitionState];

export const BackfillAction = {
  pause: 'pause',
  resume: 'resume',
  cancel: 'cancel',
  retryFailed: 'retry-failed',
} as const;
export type BackfillAction = (typeof BackfillAction)[keyof typeof BackfillAction];

export type PartitionCounts = Record<PartitionState, number> & { total: number };

export const backfillDefaults = {
  /** Partitions of one backfill running at once. */
  concurrency: 10,
  /** Backfills progressing at once (SLUICE_MAX_ACTIVE_BACKFILLS); later ones wait their turn. */
  maxActive: 5,
} as const;

export const MAX_BACKFILL_CONCURRENCY = 1000;

export function emptyPartitionCounts(): PartitionCounts {
  return { total: 0, pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 };
}

/** One planned partition: its place in the plan and where it sits on the time × key grid. */
export interface PlannedPartition {
  readonly ordinal: number;
  readonly partitionKey: string;
  /** The window key (grid column), absent without time partitions. */
  readonly timeKey: string | undefined;
  /** The key dimensions, `site=annecy|variable=temp` (grid row), absent without key partitions. */
  readonly rowKey: string | undefined;
}

export interface BackfillRequest {
  /** A date (local midnight in the pipeline's zone), a local time or an instant. */
  from?: string;
  /** A date is inclusive: `--to 2025-12-31` covers that day. */
  to?: string;
  /** `annecy,chambery` or `site=annecy,variable=temp`: only these keys. */
  keys?: readonly string[];
  keySets?: KeySets;
}

export interface BackfillPlan {
  readonly partitions: readonly PlannedPartition[];
  /** The range as given, for the record. */
  readonly from: string | undefined;
  readonly to: string | undefined;
}

/**
 * Every partition a backfill over `[from, to]` (× the filtered keys) covers, in run order: window
 * start first, then keys. A pipeline with time partitions needs `from` and `to`; the plan may not
 * be empty.
 */
export function planBackfill(partitioning: ResolvedPartitioning, request: BackfillRequest): BackfillPlan {
  const where = `pipeline "${partitioning.pipeline}"`;
  const time = partitioning.time;
  let from: Date | undefined;
  let to: Date | undefined;
  if (time) {
    if (request.from === undefined || request.to === undefined) {
      throw new UsageError(`${where} has time partitions: give the range with --from and --to (YYYY-MM-DD)`);
    }
    from = boundary('--from', request.from, time.timezone, 'start');
    to = boundary('--to', request.to, time.timezone, 'end');
    if (to.getTime() <= from.getTime()) {
      throw new UsageError(`--to ${request.to} is before --from ${request.from}`);
    }
  } else if (request.from !== undefined || request.to !== undefined) {
    throw new UsageError(`${where} has no time partitions; --from and --to do not apply`);
  }
  const all = listPartitions(partitioning, {
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    ...(request.keySets ? { keySets: request.keySets } : {}),
  });
  const partitions = filterPartitionsByKeys(partitioning, all, request.keys ?? []).sort(comparePartitions);
  if (partitions.length === 0) {
    throw new UsageError(
      `${where}: no partition between ${request.from} and ${request.to} (partitions start ${time?.start.toISOString()})`,
    );
  }
  return {
    partitions: partitions.map((partition, ordinal) => planned(partition, ordinal)),
    from: request.from,
    to: request.to,
  };
}

function boundary(option: string, value: string, timezone: string, role: 'start' | 'end'): Date {
  try {
    return parseBoundary(option, value, timezone, role);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

function planned(partition: Partition, ordinal: number): PlannedPartition {
  const row = partition.keys.map((value) => `${value.dimension}=${value.key}`).join('|');
  return {
    ordinal,
    partitionKey: partition.key,
    timeKey: partition.window?.key,
    rowKey: row === '' ? undefined : row,
  };
}

/** The status an action moves a backfill to; a ConflictError when it does not apply. */
export function backfillAfter(status: BackfillStatus, action: BackfillAction): BackfillStatus {
  const allowed: Record<BackfillAction, readonly BackfillStatus[]> = {
    pause: ['active'],
    resume: ['paused'],
    cancel: ['active', 'paused'],
    // A finished backfill reopens for its failed partitions; a cancelled one for its cancelled ones too.
    'retry-failed': ['active', 'paused', 'failed', 'cancelled', 'completed'],
  };
  if (!allowed[action].includes(status)) {
    throw new ConflictError(
      `cannot ${action} a backfill that is ${status} (${action} applies to: ${allowed[action].join(', ')})`,
    );
  }
  if (action === 'pause') return 'paused';
  if (action === 'cancel') return 'cancelled';
  if (action === 'resume') return 'active';
  // Retrying in a paused backfill keeps it paused: the partitions wait for resume.
  return status === 'paused' ? 'paused' : 'active';
}

/** The partition states retry-failed puts back to pending. */
export function retriedStates(status: BackfillStatus): readonly PartitionState[] {
  return status === 'cancelled' ? ['failed', 'cancelled'] : ['failed'];
}

/**
 * How a backfill ends once nothing is pending or running: `failed` when any partition failed,
 * else `completed`. A cancelled backfill stays cancelled. Undefined while work remains.
 */
export function settledStatus(status: BackfillStatus, counts: PartitionCounts): BackfillStatus | undefined {
  if (counts.pending > 0 || counts.running > 0) {
    // Paused or cancelled backfills still have their pending rows until resumed (or cancel marks them).
    return undefined;
  }
  if (status === 'cancelled') return 'cancelled';
  if (status === 'paused') return undefined;
  return counts.failed > 0 || counts.cancelled > 0 ? 'failed' : 'completed';
}

/** The partition state a finished run leaves: a partial run (some records rejected) collected its data. */
export function partitionStateOfRun(status: RunStatus): PartitionState {
  switch (status) {
    case 'succeeded':
    case 'partial':
      return 'succeeded';
    case 'skipped':
      return 'skipped';
    case 'cancelled':
      return 'cancelled';
    default:
      return 'failed';
  }
}

export function isBackfillStatus(value: string): value is BackfillStatus {
  return Object.values(BackfillStatus).includes(value as BackfillStatus);
}

/** Progress: done share, rate over the elapsed time and the remaining time at that rate. */
export function backfillProgress(
  counts: PartitionCounts,
  elapsedMs: number,
): { done: number; fraction: number; perMinute: number; etaMs: number | undefined } {
  const done = counts.succeeded + counts.failed + counts.skipped + counts.cancelled;
  const fraction = counts.total === 0 ? 1 : done / counts.total;
  const perMinute = elapsedMs > 0 ? (done / elapsedMs) * 60_000 : 0;
  const remaining = counts.pending + counts.running;
  const etaMs = done > 0 && elapsedMs > 0 ? (remaining / done) * elapsedMs : undefined;
  return { done, fraction, perMinute, etaMs };
}

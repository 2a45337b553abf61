// Run statuses, the counts a run carries and how a finished run's status is decided.

export const RunStatus = {
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  partial: 'partial',
  failed: 'failed',
  skipped: 'skipped',
  cancelled: 'cancelled',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

export const terminalStatuses: readonly RunStatus[] = [
  'succeeded',
  'partial',
  'failed',
  'skipped',
  'cancelled',
];

export function isRunStatus(value: string): value is RunStatus {
  return Object.values(RunStatus).includes(value as RunStatus);
}

export interface RunCounts {
  /** Items the source delivered (a CSV row, a JSON element the selector picked), before the transform. */
  fetched: number;
  /** Records the transform produced, i.e. that entered validation (a fanned-out item counts each). */
  produced: number;
  /** Records that passed validation. */
  valid: number;
  /** Records quarantined: rejected by the reader, the transform or validation. */
  rejected: number;
  inserted: number;
  updated: number;
  unchanged: number;
}

export function emptyCounts(): RunCounts {
  return { fetched: 0, produced: 0, valid: 0, rejected: 0, inserted: 0, updated: 0, unchanged: 0 };
}

export interface RunErrorEntry {
  message: string;
  code: string;
  stack?: string;
  at: string;
}

/** A failed source wins; rejections make a run partial; otherwise it succeeded. */
export function finalStatus(outcome: {
  sourceFailed: boolean;
  cancelled: boolean;
  counts: RunCounts;
}): RunStatus {
  if (outcome.cancelled) return RunStatus.cancelled;
  if (outcome.sourceFailed) return RunStatus.failed;
  if (outcome.counts.rejected > 0) return RunStatus.partial;
  return RunStatus.succeeded;
}

/**
 * The share of records refused: rejected / (rejected + valid), over records, never above 1; 0 when
 * there were none. Rejections by the reader or the transform count one per item they refused.
 */
export function errorRate(counts: Pick<RunCounts, 'rejected' | 'valid'>): number {
  const total = counts.rejected + counts.valid;
  return total === 0 ? 0 : counts.rejected / total;
}

// How far a backfill is: done share, partitions per minute since it was created, and the time left
// at that rate (as the CLI's progress line computes it), from the API's counts and timestamps.
import type { BackfillSummary } from '../../api/types.ts';

export interface BackfillProgress {
  done: number;
  total: number;
  /** 0..1 */
  fraction: number;
  perMinute: number;
  /** Undefined until a partition is done, and once the backfill is not active. */
  etaMs: number | undefined;
}

export function backfillProgress(backfill: BackfillSummary, now: number): BackfillProgress {
  const { counts } = backfill;
  const done = counts.succeeded + counts.failed + counts.skipped + counts.cancelled;
  // Over its whole life: until it finished, else until now (a paused one's rate sinks while it waits;
  // measuring to its last change instead would make one early partition look like hundreds a minute).
  const end = backfill.finishedAt !== null ? Date.parse(backfill.finishedAt) : now;
  const elapsedMs = Math.max(0, end - Date.parse(backfill.createdAt));
  const perMinute = elapsedMs > 0 ? (done / elapsedMs) * 60_000 : 0;
  const remaining = counts.pending + counts.running;
  const etaMs =
    backfill.status === 'active' && done > 0 && elapsedMs > 0 ? (remaining / done) * elapsedMs : undefined;
  return {
    done,
    total: counts.total,
    fraction: counts.total === 0 ? 1 : done / counts.total,
    perMinute,
    etaMs,
  };
}

/** Analysts and admins start and steer backfills; viewers only look (the API enforces it too). */
export function canSteer(role: string | undefined): boolean {
  return role === 'analyst' || role === 'admin';
}

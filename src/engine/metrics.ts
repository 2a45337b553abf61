// What /metrics reports, read from the shared tables so every process scrapes the same totals.
import type { SourceStats, StoredBreaker } from './sources.ts';

export interface RunTotals {
  pipeline: string;
  status: string;
  runs: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  warned: number;
  fetched: number;
  produced: number;
}

/** Observations at or below `le` (seconds) and above the next lower bound; `le` null is above every bound. */
export interface BucketCount {
  labels: Record<string, string>;
  le: number | null;
  count: number;
  sumSeconds: number;
}

export interface QueueState {
  queued: number;
  running: number;
  lagSeconds: number | null;
}

export interface BackfillPartitionCount {
  pipeline: string;
  state: string;
  count: number;
}

export interface MetricsSnapshot {
  runTotals: RunTotals[];
  runDurations: BucketCount[];
  datasetWrites: BucketCount[];
  queue: QueueState;
  backfillPartitions: BackfillPartitionCount[];
  upstream: { stats: SourceStats[]; breakers: StoredBreaker[] };
}

export interface MetricsStore {
  /** Bucket bounds in seconds. */
  snapshot(bounds: {
    runDuration: readonly number[];
    datasetWrite: readonly number[];
  }): Promise<MetricsSnapshot>;
}

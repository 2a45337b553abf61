// A run as stored: what the history, the API and the CLI show of it.
import type { RunCounts, RunErrorEntry, RunStatus } from '../domain/run-status.ts';
import type { RunReport } from './ports.ts';

export interface RunRecord extends RunCounts {
  id: string;
  pipeline: string;
  dataset: string;
  status: RunStatus;
  trigger: string;
  /** The partition the run collected; null for a pipeline without partitions. */
  partitionKey: string | null;
  attempt: number;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  /** Records whose key came again later in the run (only the last occurrence was written). */
  duplicateKeys: number;
  provider: string | null;
  errors: RunErrorEntry[];
  upstreamExecutionId: string | null;
}

export interface RunDetail extends RunRecord {
  report: RunReport | null;
}

/** The last run of a pipeline, as the pipeline list and the status summary show it. */
export interface PipelineLastRun {
  pipeline: string;
  id: string;
  status: string;
  finishedAt: string | null;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

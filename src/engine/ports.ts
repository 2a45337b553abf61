// The interfaces the engine needs from the outside world; adapters implement them.
import type { DatasetDefinition } from '../domain/dataset-definition.ts';
import type { ResolvedPipeline } from '../domain/pipeline-definition.ts';
import type { EncodedRow } from '../domain/record-validation.ts';
import type { RunCounts, RunErrorEntry, RunStatus } from '../domain/run-status.ts';
import type { SourceDefinition } from '../domain/source-definition.ts';
import type { ProviderAttempt, RecordIssue, RecordOrigin, SourceChunk } from '../domain/source-item.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The subset of pino the engine logs through. */
export interface Logger {
  debug(object: object, message?: string): void;
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface WriteCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows that repeated the key of a later row of the run: only the last one is written. */
  duplicateKeys: number;
}

export interface BatchMeta {
  runId: string;
  provider: string;
}

export interface DatasetWriter {
  /** Writes rows that are all the run has for their keys, in one statement (the last of a key wins). */
  write(rows: readonly EncodedRow[], meta: BatchMeta): Promise<WriteCounts>;
  /**
   * Opens a staging area for rows of a run that spans several batches: nothing is written until
   * `merge`, which writes each key once, with its last occurrence in the run.
   */
  openStage(meta: BatchMeta, lane: number): Promise<RunStage>;
}

export interface RunStage {
  append(rows: readonly EncodedRow[]): Promise<void>;
  merge(): Promise<WriteCounts>;
  drop(): Promise<void>;
}

export type RejectionStage = 'read' | 'transform' | 'validate' | 'rule';

export interface RejectedRecord {
  /**
   * The source item exactly as it was received: the text cells of a CSV row, the original JSON
   * value, the line a reader refused. Replay starts again from it.
   */
  raw: unknown;
  /** What the transform made of `raw`: the record validation refused (absent before the transform). */
  record?: unknown;
  /** Which of the transform's outputs `record` is, when it returned a list. */
  outputIndex?: number;
  issues: readonly RecordIssue[];
  origin: RecordOrigin;
  /** Where it was refused: by the reader, the transform, the schema or a quality rule. */
  stage: RejectionStage;
}

export interface NewRun {
  id: string;
  pipeline: string;
  dataset: string;
  trigger: string;
  startedAt: Date;
  /** @defaultValue 1 */
  attempt?: number;
  /** Which process runs it (host:pid). */
  worker?: string;
  /** The queue job that carries it, when it came through the queue. */
  jobId?: string;
  /** The partition it collects (`2025-W03|site=annecy`), for a partitioned pipeline. */
  partitionKey?: string;
}

export interface RunProgress {
  counts: RunCounts;
  provider: string | undefined;
}

export interface FinishedRun extends RunProgress {
  status: RunStatus;
  duplicateKeys: number;
  finishedAt: Date;
  durationMs: number;
  errors: RunErrorEntry[];
  report: RunReport;
}

export interface RunStore {
  start(run: NewRun): Promise<void>;
  progress(runId: string, progress: RunProgress): Promise<void>;
  finish(runId: string, run: FinishedRun): Promise<void>;
}

export interface QuarantineSink {
  add(
    run: { runId: string; pipeline: string; dataset: string },
    records: readonly RejectedRecord[],
  ): Promise<void>;
}

export interface SourceContext {
  /** Directory that relative paths in the config are resolved against. */
  baseDir: string;
  params: Readonly<Record<string, string>>;
  signal: AbortSignal;
  logger: Logger;
  /** What Retry-After dates and breaker cooldowns are measured against. @defaultValue systemClock */
  clock?: Clock;
  /** Told how each provider of a fallback chain fared, for the run report. */
  onProvider?: (attempt: ProviderAttempt) => void;
  /** The upstream execution of this run (asyncJob sources); absent outside a stored run. */
  execution?: UpstreamExecution;
  /**
   * Told of what a person should know about the run without it failing, such as a selector that
   * matched nothing in a document the source did deliver (`no_records`).
   */
  onWarning?: (warning: RunWarning) => void;
}

/** Something a run noticed that did not fail it; kept on the run's report. */
export interface RunWarning {
  code: string;
  message: string;
}

/** The id an asynchronous upstream gave the work of the current run, kept on the run row. */
export interface UpstreamExecution {
  runId: string;
  jobId?: string;
  /** The id stored by an earlier attempt of this run or of its queue job, to resume instead of submitting. */
  previous(): Promise<string | undefined>;
  save(executionId: string): Promise<void>;
}

/** Where upstream execution ids are stored: `sluice.runs.upstream_execution_id`. */
export interface ExecutionStore {
  previous(run: { runId: string; jobId?: string }): Promise<string | undefined>;
  save(runId: string, executionId: string): Promise<void>;
}

export type SourceReader = (source: SourceDefinition, context: SourceContext) => AsyncIterable<SourceChunk>;

export interface RuleCount {
  code: string;
  path: string;
  count: number;
}

/** What `sluice run --report` writes and the run row keeps: counts, quality and timings. */
export interface RunReport {
  runId: string;
  pipeline: string;
  dataset: string;
  /** The partition collected, for a partitioned pipeline. */
  partitionKey?: string;
  status: RunStatus;
  dryRun: boolean;
  provider: string | undefined;
  /** For a fallback chain: each provider tried, in order, and how it fared. */
  providers?: ProviderAttempt[];
  counts: RunCounts;
  /** Items the transform dropped (returned nothing for). */
  filtered: number;
  /** Records whose key came again later in the run: only the last occurrence is written. */
  duplicateKeys: number;
  /** What the run noticed without failing: a selector that matched nothing, a transform that produced nothing. */
  warnings: RunWarning[];
  quality: {
    /** Items the source delivered (= counts.fetched). */
    input: number;
    /** Records the transform produced from them (= counts.produced). */
    produced: number;
    valid: number;
    rejected: number;
    /** Valid records stored with a `warn` rule broken. */
    warned: number;
    /** rejected / (rejected + valid): a share of records, never above 1. */
    errorRate: number;
    maxErrorRate: number | null;
    /** Rejections per rule code and field. */
    issues: RuleCount[];
    /** Warnings per rule code and field. */
    warnings: RuleCount[];
    samples: RejectedRecord[];
  };
  errors: RunErrorEntry[];
  timings: { startedAt: string; finishedAt: string; durationMs: number; writeMs: number };
}

export interface CollectPorts {
  readSource: SourceReader;
  writerFor(dataset: DatasetDefinition): DatasetWriter;
  runs: RunStore;
  /** Without it, asyncJob sources submit on every attempt. */
  executions?: ExecutionStore;
  quarantine: QuarantineSink;
  clock: Clock;
  logger: Logger;
  newRunId(): string;
}

export type { ResolvedPipeline };

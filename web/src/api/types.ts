// The API responses the dashboard reads, named after their routes; to be replaced by types generated from /api/openapi.json.

export type Role = 'viewer' | 'analyst' | 'admin';

export const RUN_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'partial',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export type FreshnessStatus = 'healthy' | 'degraded' | 'stale' | 'unmonitored';
export type SeriesStatus = 'fresh' | 'stale' | 'never';
export type BackfillStatus = 'active' | 'paused' | 'completed' | 'failed' | 'cancelled';
export type PartitionState = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled';

/** application/problem+json, every error the API answers. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
}

/** POST and GET /api/session. */
export interface SessionResponse {
  principal: { name: string; role: Role };
  csrfToken: string;
  expiresAt: string;
}

/** GET /api/freshness */
export interface FreshnessResponse {
  status: FreshnessStatus;
  checkedAt: string;
  datasets: DatasetFreshness[];
}

export interface DatasetFreshness {
  dataset: string;
  pipelines: string[];
  lastSuccessfulRun: { id: string; pipeline: string; status: RunStatus; finishedAt: string | null } | null;
  status: FreshnessStatus;
  maxAge: string | null;
  seriesColumns: string[];
  counts: { series: number; fresh: number; stale: number; never: number };
  lastTime: string | null;
  series: SeriesFreshness[];
}

export interface SeriesFreshness {
  dataset: string;
  series: Record<string, unknown>;
  status: SeriesStatus;
  lastTime: string | null;
  ageMs: number | null;
  age: string;
  maxAge: string;
  staleAt: string | null;
  provider: string | null;
  lastRunId: string | null;
}

/** GET /api/stats?days= */
export interface StatsResponse {
  days: number;
  datasets: Array<{
    dataset: string;
    table: string;
    rows: number;
    rowsInRange: number;
    insertedInRange: number;
    firstTime: string | null;
    lastTime: string | null;
    lastChangedAt: string | null;
    quarantined: number;
  }>;
  runs: { allTime: Partial<Record<RunStatus, number>>; inRange: Partial<Record<RunStatus, number>> };
}

export interface RunError {
  message: string;
  code: string;
  /** Admins only. */
  stack?: string;
  at: string;
}

/** One run as GET /api/runs lists it. */
export interface RunSummary {
  id: string;
  pipeline: string;
  dataset: string;
  status: RunStatus;
  trigger: string;
  partitionKey: string | null;
  attempt: number;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  fetched: number;
  produced: number;
  valid: number;
  rejected: number;
  inserted: number;
  updated: number;
  unchanged: number;
  duplicateKeys: number;
  provider: string | null;
  errors: RunError[];
  upstreamExecutionId: string | null;
}

/** GET /api/runs?pipeline&status&from&to&limit&cursor */
export interface RunsResponse {
  runs: RunSummary[];
  nextCursor: string | null;
}

export interface RuleCount {
  code: string;
  path: string;
  count: number;
}

export interface RunQuality {
  input: number;
  produced: number;
  valid: number;
  rejected: number;
  warned: number;
  errorRate: number;
  maxErrorRate: number | null;
  issues: RuleCount[];
  warnings: RuleCount[];
}

export interface RunReport {
  providers?: Array<{ provider: string; outcome: string; message?: string; asOf?: string }>;
  filtered: number;
  warnings: Array<{ code: string; message: string }>;
  errors: RunError[];
  timings: { startedAt: string; finishedAt: string; durationMs: number; writeMs: number };
}

export interface RejectedSample {
  id: number;
  stage: string;
  raw: unknown;
  issues: Array<{ path: Array<string | number>; code: string; message: string }>;
  occurrences: number;
}

/** GET /api/runs/:id */
export interface RunDetailResponse {
  run: RunSummary & { report?: RunReport | null };
  quality: RunQuality | null;
  rejectedSamples: RejectedSample[];
}

/** GET /api/pipelines */
export interface PipelinesResponse {
  pipelines: Array<{ name: string; description: string | null; dataset: string; status: string }>;
}

/** GET /api/backfills?status= */
export interface BackfillsResponse {
  backfills: Array<{
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
    counts: Record<PartitionState, number> & { total: number };
  }>;
}

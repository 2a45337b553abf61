// Freshness math: a series' age against its dataset's maxAge, statuses per dataset and project, transitions.

/** Where one series stands: its newest record is recent enough, too old, or it has none. */
export const SeriesStatus = { fresh: 'fresh', stale: 'stale', never: 'never' } as const;
export type SeriesStatus = (typeof SeriesStatus)[keyof typeof SeriesStatus];

/** A dataset or the whole project; `unmonitored` is a dataset without `freshness` (or a project with none). */
export const FreshnessStatus = {
  healthy: 'healthy',
  degraded: 'degraded',
  stale: 'stale',
  unmonitored: 'unmonitored',
} as const;
export type FreshnessStatus = (typeof FreshnessStatus)[keyof typeof FreshnessStatus];

/** The events a series transition publishes (stored in sluice.events and posted to the alert webhook). */
export const FreshnessEvent = { stale: 'freshness:stale', fresh: 'freshness:fresh' } as const;
export type FreshnessEvent = (typeof FreshnessEvent)[keyof typeof FreshnessEvent];

/** What a `freshness:*` event carries in sluice.events; the alert webhook posts it with its `type`. */
export interface FreshnessEventPayload {
  dataset: string;
  /** The series columns' values; {} when the dataset is one series. */
  series: Record<string, unknown>;
  status: 'fresh' | 'stale';
  previous: SeriesStatus;
  /** ISO 8601 in UTC, like `at`. */
  lastTime: string;
  /** `ageMs` for people, e.g. '27h'. */
  age: string;
  ageMs: number;
  maxAge: string;
  provider: string | null;
  at: string;
}

export interface SeriesAssessment {
  status: SeriesStatus;
  /** now − newest record time in ms; negative when the newest record lies in the future; null for `never`. */
  ageMs: number | null;
  /** When the series becomes (or became) stale without new records; null for `never`. */
  staleAt: Date | null;
}

export interface StatusCounts {
  fresh: number;
  stale: number;
  never: number;
}

/**
 * Assesses one series. A record exactly `maxAgeMs` old is still fresh: stale means strictly older,
 * so `maxAge: '26h'` tolerates a daily source that is up to two hours late.
 */
export function assessSeries(lastTime: Date | null, maxAgeMs: number, now: Date): SeriesAssessment {
  if (lastTime === null) return { status: SeriesStatus.never, ageMs: null, staleAt: null };
  const ageMs = now.getTime() - lastTime.getTime();
  return {
    status: ageMs > maxAgeMs ? SeriesStatus.stale : SeriesStatus.fresh,
    ageMs,
    staleAt: new Date(lastTime.getTime() + maxAgeMs),
  };
}

/** The oldest newest-record time that is still fresh; stores compare `last_time >= cutoff`. */
export function freshnessCutoff(now: Date, maxAgeMs: number): Date {
  return new Date(now.getTime() - maxAgeMs);
}

export function countStatuses(statuses: Iterable<SeriesStatus>): StatusCounts {
  const counts: StatusCounts = { fresh: 0, stale: 0, never: 0 };
  for (const status of statuses) counts[status] += 1;
  return counts;
}

/**
 * A monitored dataset: healthy when every series is fresh, stale when none is (a dataset without
 * any series has never had a record), degraded in between. `never` counts as not fresh.
 */
export function datasetStatus(counts: StatusCounts): FreshnessStatus {
  const notFresh = counts.stale + counts.never;
  if (counts.fresh === 0) return FreshnessStatus.stale;
  return notFresh === 0 ? FreshnessStatus.healthy : FreshnessStatus.degraded;
}

/** The project from its datasets' statuses; unmonitored datasets do not count. */
export function projectStatus(statuses: Iterable<FreshnessStatus>): FreshnessStatus {
  const monitored = [...statuses].filter((status) => status !== FreshnessStatus.unmonitored);
  if (monitored.length === 0) return FreshnessStatus.unmonitored;
  if (monitored.every((status) => status === FreshnessStatus.healthy)) return FreshnessStatus.healthy;
  if (monitored.every((status) => status === FreshnessStatus.stale)) return FreshnessStatus.stale;
  return FreshnessStatus.degraded;
}

/** Whether a status passes `sluice freshness --check`: nothing monitored is not a failure. */
export function isHealthy(status: FreshnessStatus): boolean {
  return status === FreshnessStatus.healthy || status === FreshnessStatus.unmonitored;
}

/**
 * The event a stored status change publishes, if any. `previous` null is a series the monitor has
 * not assessed yet (it counts as never). Never → stale publishes nothing: it is what a summary
 * rebuilt from old data looks like on first deploy, and it would alert once per series.
 */
export function transitionEvent(
  previous: SeriesStatus | null,
  next: SeriesStatus,
): FreshnessEvent | undefined {
  const from = previous ?? SeriesStatus.never;
  if (from === next) return undefined;
  if (next === SeriesStatus.fresh) return FreshnessEvent.fresh;
  if (next === SeriesStatus.stale && from === SeriesStatus.fresh) return FreshnessEvent.stale;
  return undefined;
}

/** Severity order for listings: stale datasets first, unmonitored last. */
const STATUS_RANK: Record<FreshnessStatus, number> = { stale: 0, degraded: 1, healthy: 2, unmonitored: 3 };

export function compareDatasetStatus(a: FreshnessStatus, b: FreshnessStatus): number {
  return STATUS_RANK[a] - STATUS_RANK[b];
}

/**
 * Stalest first across datasets with different maxAge: series without records, then by how
 * long ago they became stale (the earliest `staleAt`), so 3 days late on a 26h rule ranks
 * above 2 days late on a 1h rule only when it crossed its limit earlier.
 */
export function compareStalest(a: { staleAt: Date | null }, b: { staleAt: Date | null }): number {
  if (a.staleAt === null || b.staleAt === null)
    return (a.staleAt === null ? 0 : 1) - (b.staleAt === null ? 0 : 1);
  return a.staleAt.getTime() - b.staleAt.getTime();
}

/** An age for people: '45s', '12m', '5h 3m', '2d 4h'; a future time reads 'in 3h'. */
export function formatAge(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 0) return `in ${formatAge(-ms)}`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days}d` : `${days}d ${hours % 24}h`;
}

/** A series key for people: 'base=EUR quote=USD', or '(dataset)' for a dataset that is one series. */
export function formatSeries(series: Readonly<Record<string, unknown>>): string {
  const parts = Object.entries(series).map(([column, value]) => `${column}=${String(value)}`);
  return parts.length === 0 ? '(dataset)' : parts.join(' ');
}

export interface RefreshTarget {
  pipeline: string;
  dataset: string;
}

/**
 * The pipelines to run so the given series (stalest first) get new records: every pipeline
 * writing into one of their datasets, once each, in the order of the stalest series they feed.
 */
export function refreshTargets(
  series: Iterable<{ dataset: string }>,
  pipelines: Iterable<{ name: string; into: { name: string } }>,
): RefreshTarget[] {
  const all = [...pipelines];
  const seen = new Set<string>();
  const targets: RefreshTarget[] = [];
  for (const { dataset } of series) {
    for (const pipeline of all) {
      if (pipeline.into.name !== dataset || seen.has(pipeline.name)) continue;
      seen.add(pipeline.name);
      targets.push({ pipeline: pipeline.name, dataset });
    }
  }
  return targets;
}

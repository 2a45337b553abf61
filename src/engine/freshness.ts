// Freshness of a project as people ask for it: per dataset and per series, the stalest series, and
// refreshing them by triggering the pipelines that feed them; the monitor's pass is in
// freshness-monitor.ts.

import { ErrorCode, errorCode, errorMessage } from '../domain/errors.ts';
import type { FreshnessStatus, SeriesStatus, StatusCounts } from '../domain/freshness.ts';
import { refreshTargets } from '../domain/freshness.ts';
import type { Project } from './app.ts';
import {
  createFreshnessMonitor,
  type FreshnessStatusStore,
  type FreshnessTransition,
} from './freshness-monitor.ts';
import type { Clock, Logger } from './ports.ts';

export interface SeriesFreshness {
  dataset: string;
  /** The series columns' values; {} when the dataset is one series. */
  series: Record<string, unknown>;
  status: SeriesStatus;
  /** Newest record time, ISO 8601; null when the series never had a record. */
  lastTime: string | null;
  ageMs: number | null;
  /** `ageMs` for people, e.g. '27h 5m'. */
  age: string;
  maxAge: string;
  /** When the series became or becomes stale without new records. */
  staleAt: string | null;
  provider: string | null;
  lastRunId: string | null;
  updatedAt: string | null;
  /** When the monitor last recorded a status change of this series. */
  statusChangedAt: string | null;
}

export interface LastRun {
  id: string;
  pipeline: string;
  status: string;
  finishedAt: string | null;
}

export interface DatasetFreshness {
  dataset: string;
  status: FreshnessStatus;
  maxAge: string | null;
  seriesColumns: string[];
  counts: StatusCounts & { series: number };
  /** The newest record time over all series. */
  lastTime: string | null;
  pipelines: string[];
  /** The latest succeeded or partial run of a pipeline writing into the dataset. */
  lastSuccessfulRun: LastRun | null;
  /** Stalest first, at most the requested limit; `counts.series` says how many there are. */
  series: SeriesFreshness[];
}

export interface FreshnessReport {
  status: FreshnessStatus;
  checkedAt: string;
  datasets: DatasetFreshness[];
}

export interface FreshnessQuery {
  /** @defaultValue the project's clock */
  now?: Date;
  /** Series per dataset (report) or in all (stalest). */
  limit: number;
  /** Only this dataset; a NotFoundError when the config has no such dataset. */
  dataset?: string;
}

export type ResolvedFreshnessQuery = FreshnessQuery & { now: Date };

export interface RefreshOutcome {
  /** The stalest series considered, stalest first. */
  stale: Array<Pick<SeriesFreshness, 'dataset' | 'series' | 'status' | 'lastTime' | 'age'>>;
  triggered: Array<{ pipeline: string; dataset: string; runId: string }>;
  /** Pipelines not triggered (an active run, a partitioned pipeline), with the reason. */
  skipped: Array<{ pipeline: string; dataset: string; reason: string }>;
  datasetsWithoutPipeline: string[];
}

export interface FreshnessReader {
  /** Freshness of the project, each dataset and its stalest `limit` series. */
  report(query: ResolvedFreshnessQuery): Promise<FreshnessReport>;
  /** The `limit` stalest series (stale or never) over all monitored datasets, stalest first. */
  stalest(query: ResolvedFreshnessQuery): Promise<SeriesFreshness[]>;
}

export interface FreshnessPorts {
  store: FreshnessReader & FreshnessStatusStore;
  /** The queued or running run of a pipeline, if any. */
  activeRun(pipeline: string): Promise<{ id: string; status: string } | undefined>;
  project: Pick<Project, 'config'>;
  clock: Clock;
  logger: Logger;
}

export interface Freshness {
  report(query: FreshnessQuery): Promise<FreshnessReport>;
  stalest(query: FreshnessQuery): Promise<SeriesFreshness[]>;
  /**
   * Starts each pipeline feeding one of the stalest series once, through `start` (which returns
   * the run id); a ConflictError (an active run) or a UsageError (a partitioned pipeline) from
   * it is reported as skipped.
   */
  refresh(
    query: FreshnessQuery,
    trigger: string,
    start: (pipeline: string, trigger: string) => Promise<string>,
  ): Promise<RefreshOutcome>;
  /** The queued or running run of a pipeline, if any. */
  activeRun(pipeline: string): Promise<{ id: string; status: string } | undefined>;
  /** One monitor pass at `now`: records and publishes each status change once; returns this pass's. */
  check(now: Date): Promise<FreshnessTransition[]>;
}

export function createFreshness(ports: FreshnessPorts): Freshness {
  const { store, project } = ports;
  const monitor = createFreshnessMonitor({
    store,
    datasets: [...project.config.datasets.values()],
    logger: ports.logger,
  });
  const resolve = (query: FreshnessQuery): ResolvedFreshnessQuery => ({
    ...query,
    now: query.now ?? ports.clock.now(),
  });
  return {
    report: (query) => store.report(resolve(query)),
    stalest: (query) => store.stalest(resolve(query)),
    async refresh(query, trigger, start) {
      const series = await store.stalest(resolve(query));
      const pipelines = [...project.config.pipelines.values()];
      const triggered: RefreshOutcome['triggered'] = [];
      const skipped: RefreshOutcome['skipped'] = [];
      for (const target of refreshTargets(series, pipelines)) {
        try {
          triggered.push({ ...target, runId: await start(target.pipeline, trigger) });
        } catch (error) {
          // An active run (409), or a partitioned pipeline, which needs a partition: reported, not fatal.
          if (errorCode(error) !== ErrorCode.conflict && errorCode(error) !== ErrorCode.usage) throw error;
          skipped.push({ ...target, reason: errorMessage(error) });
        }
      }
      const stale = series.map(({ dataset, series: key, status, lastTime, age }) => ({
        dataset,
        series: key,
        status,
        lastTime,
        age,
      }));
      const datasetsWithoutPipeline = [...new Set(series.map((entry) => entry.dataset))].filter(
        (dataset) => !pipelines.some((pipeline) => pipeline.into.name === dataset),
      );
      return { stale, triggered, skipped, datasetsWithoutPipeline };
    },
    activeRun: (pipeline) => ports.activeRun(pipeline),
    check: (now) => monitor.check(now),
  };
}

// Health and totals of a project: readiness, pending migrations, rows per dataset, runs by status,
// the last run of each pipeline, and what /metrics exposes; what `sluice status`/`stats` and
// /readyz, /api/stats, /metrics read.
import type { DatasetDefinition } from '../domain/dataset-definition.ts';
import { errorMessage } from '../domain/errors.ts';
import type { Project } from './app.ts';
import type { MetricsSnapshot, MetricsStore } from './metrics.ts';
import type { PipelineLastRun } from './run-record.ts';

export interface DatasetStats {
  dataset: string;
  table: string;
  rows: number;
  /** Rows whose time column falls in the last `days` days. */
  rowsInRange: number;
  /** Rows first stored in the last `days` days. */
  insertedInRange: number;
  firstTime: string | null;
  lastTime: string | null;
  lastChangedAt: string | null;
  quarantined: number;
}

export type RunsByStatus = Record<string, number>;

export interface StatusSummary {
  database: { kind: string; location: string; schema: string; pendingMigrations: string[] };
  config: string;
  datasets: DatasetStats[];
  pipelines: Array<{ name: string; dataset: string; source: string; lastRun: PipelineLastRun | null }>;
}

export interface ProjectStats {
  days: number;
  datasets: DatasetStats[];
  runs: { allTime: RunsByStatus; inRange: RunsByStatus };
}

/** Why a process is not ready, with the problem code the API answers. */
export type Readiness =
  | { ready: true; database: string }
  | { ready: false; code: 'database_unreachable' | 'migrations_pending'; message: string };

export interface StatsStore {
  /** Per dataset, in the order given; `days` is the recent window. */
  datasetStats(datasets: Iterable<DatasetDefinition>, days: number): Promise<DatasetStats[]>;
  /** Runs by status, queued in the last `days` days or all time (undefined). */
  runsByStatus(days: number | undefined): Promise<RunsByStatus>;
  lastRunPerPipeline(): Promise<PipelineLastRun[]>;
}

export interface StatusStore extends StatsStore {
  /** Rejects when the database cannot be reached. */
  ping(): Promise<void>;
  /** Names of the migrations not yet applied. */
  pendingMigrations(): Promise<string[]>;
}

export interface StatusPorts {
  store: StatusStore;
  metrics: MetricsStore;
  project: Omit<Project, 'pipeline'>;
  /** Where the data lives, for people: the database kind and a directory or a URL without password. */
  database: { kind: string; location: string };
}

export interface Status {
  readiness(): Promise<Readiness>;
  pendingMigrations(): Promise<string[]>;
  /** Rows per dataset over all time and the last `days` days, and runs by status. */
  stats(days: number): Promise<ProjectStats>;
  /** Where the data lives, each dataset's size over the last 7 days and each pipeline's last run. */
  summary(): Promise<StatusSummary>;
  /** What /metrics reports; bucket bounds in seconds. */
  metrics(bounds: {
    runDuration: readonly number[];
    datasetWrite: readonly number[];
  }): Promise<MetricsSnapshot>;
}

export function createStatus(ports: StatusPorts): Status {
  const { store, project } = ports;
  const datasets = () => project.config.datasets.values();
  return {
    async readiness() {
      try {
        await store.ping();
      } catch (error) {
        return { ready: false, code: 'database_unreachable', message: errorMessage(error) };
      }
      const pending = await store.pendingMigrations();
      if (pending.length > 0) {
        return {
          ready: false,
          code: 'migrations_pending',
          message: `pending migrations: ${pending.join(', ')}`,
        };
      }
      return { ready: true, database: ports.database.kind };
    },
    pendingMigrations: () => store.pendingMigrations(),
    async stats(days) {
      return {
        days,
        datasets: await store.datasetStats(datasets(), days),
        runs: { allTime: await store.runsByStatus(undefined), inRange: await store.runsByStatus(days) },
      };
    },
    async summary() {
      const lastRuns = new Map((await store.lastRunPerPipeline()).map((run) => [run.pipeline, run]));
      return {
        database: {
          kind: ports.database.kind,
          location: ports.database.location,
          schema: project.schema,
          pendingMigrations: await store.pendingMigrations(),
        },
        config: project.path,
        datasets: await store.datasetStats(datasets(), 7),
        pipelines: [...project.config.pipelines.values()].map((pipeline) => ({
          name: pipeline.name,
          dataset: pipeline.into.name,
          source: `${pipeline.source.kind}:${pipeline.source.name}`,
          lastRun: lastRuns.get(pipeline.name) ?? null,
        })),
      };
    },
    metrics: (bounds) => ports.metrics.snapshot(bounds),
  };
}

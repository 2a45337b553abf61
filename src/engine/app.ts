// The application: every use case the API routes and CLI commands call, grouped by concept. Routes
// and commands receive this object and never see the database; src/main.ts builds it from the
// postgres stores. Each section is an engine interface of its own file (engine/runs.ts, …).
import type { ResolvedPipeline, SluiceConfig } from '../domain/pipeline-definition.ts';
import type { Backfills } from './backfills.ts';
import type { Datasets } from './datasets.ts';
import type { Freshness } from './freshness.ts';
import type { StoredKeySets } from './key-sets.ts';
import type { Pipelines } from './pipelines.ts';
import type { Quarantine } from './quarantine.ts';
import type { Runs } from './runs.ts';
import type { Schedule } from './schedule.ts';
import type { Sources } from './sources.ts';
import type { Status } from './status.ts';

/** What the project defines: its config as loaded, and where its tables live. */
export interface Project {
  /** Path of the sluice.config.ts that was loaded. */
  path: string;
  /** The directory relative paths of the config resolve against. */
  baseDir: string;
  config: SluiceConfig;
  /** The PostgreSQL schema holding the dataset tables. */
  schema: string;
  /** The pipeline of that name; a NotFoundError naming the defined ones otherwise. */
  pipeline(name: string): ResolvedPipeline;
}

export interface SluiceApp {
  project: Project;
  datasets: Datasets;
  freshness: Freshness;
  keySets: StoredKeySets;
  sources: Sources;
  status: Status;
  backfills: Backfills;
  runs: Runs;
  quarantine: Quarantine;
  pipelines: Pipelines;
  schedule: Schedule;
}

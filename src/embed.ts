// The embedding API: a host application opens a sluice project in its own process, runs and
// triggers pipelines, starts the scheduler and workers, and mounts the REST API into its fastify.
// Only types are imported here: the engine, the database and fastify load when createSluice runs,
// so a sluice.config.ts importing 'sluice' for its definitions stays light.
import type { FastifyPluginAsync } from 'fastify';
import type { Role } from './domain/roles.ts';
import type { SluiceApp } from './engine/app.ts';
import type { Logger, RunReport } from './engine/ports.ts';
import type { RunOptions } from './engine/run-pipeline.ts';
import type { RunDetail } from './engine/run-record.ts';

export interface SluiceOptions {
  /** The project's config: a path (relative to `cwd`) or a file URL. @defaultValue `sluice.config.ts` in `cwd` */
  config?: string | URL;
  /** @defaultValue process.cwd() */
  cwd?: string;
  /** PostgreSQL connection string. @defaultValue DATABASE_URL of `env`; unset means the embedded database */
  databaseUrl?: string;
  /** Embedded (PGlite) data directory. @defaultValue SLUICE_DATA_DIR of `env`, or `.sluice` beside the config */
  dataDir?: string;
  /** Schema of the dataset tables. @defaultValue SLUICE_DB_SCHEMA of `env`, or `public` */
  schema?: string;
  /** Where the SLUICE_* settings (workers, scheduler, grace, overrides) are read from. @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Any pino-compatible logger, such as the host's `fastify.log`. @defaultValue sluice's own, from LOG_LEVEL and LOG_FORMAT */
  logger?: Logger;
}

export interface StartOptions {
  /**
   * Fire schedules in this process. Run it in one process of a deployment: the others only work
   * queued runs. @defaultValue true, unless SLUICE_SCHEDULER=false
   */
  scheduler?: boolean;
}

export interface SluicePluginOptions {
  /**
   * Start the scheduler and workers when the host loads its plugins (`ready()`, `listen()`);
   * they stop when the host closes either way. @defaultValue false: call `start()` yourself
   */
  start?: boolean | StartOptions;
}

export interface TriggerOptions {
  /** Required for a partitioned pipeline (`2025-W03|site=annecy`). */
  partition?: string;
  /** Recorded on the run as who or what asked for it. @defaultValue 'embedded' */
  trigger?: string;
}

export interface CreatedToken {
  /** The bearer token: shown this once, stored only as a hash. */
  token: string;
  name: string;
  role: Role;
}

/** An open sluice project inside a host application. */
export interface EmbeddedSluice {
  /** Every use case the REST API and the CLI call: runs, status, backfills, datasets, freshness, … */
  readonly app: SluiceApp;
  /** Runs a pipeline in this process and waits for its report. */
  run(pipeline: string, options?: RunOptions): Promise<RunReport>;
  /**
   * Starts a run now and returns its id: queued for the workers once `start()` ran, else run in
   * this process in the background. A ConflictError when the pipeline (or partition) has an active run.
   */
  trigger(pipeline: string, options?: TriggerOptions): Promise<string>;
  /** Waits until a run ends, at most `timeoutMs`; the run as it is then. @defaultValue 5 minutes */
  wait(runId: string, timeoutMs?: number): Promise<RunDetail>;
  /** Starts the queue, the workers, the backfill pump, the freshness monitor and (by default) the scheduler. */
  start(options?: StartOptions): Promise<void>;
  /** Stops what `start()` started, letting running runs finish within SLUICE_SHUTDOWN_GRACE_S. */
  stop(): Promise<void>;
  /** Whether `start()` ran and `stop()` did not since. */
  readonly started: boolean;
  /** Creates an API token for the routes the plugin mounts (as `sluice tokens create`). */
  createToken(name: string, role: Role): Promise<CreatedToken>;
  /**
   * The REST API as a fastify plugin, in a context of its own (its error handler, validators and
   * auth do not touch the host's routes): `host.register(sluice.plugin, { prefix: '/sluice' })`
   * serves `/sluice/api/…`, `/sluice/healthz` and `/sluice/metrics`. Closing the host closes sluice.
   */
  readonly plugin: FastifyPluginAsync<SluicePluginOptions>;
  /** Stops what runs, waits for runs launched in this process, and closes the database. Idempotent. */
  close(): Promise<void>;
}

/** Opens the project: loads its config, opens and migrates its database, makes its dataset tables current. */
export async function createSluice(options: SluiceOptions = {}): Promise<EmbeddedSluice> {
  const { openEmbedded } = await import('./embedded-sluice.ts');
  return openEmbedded(options);
}

// Composition root: the only place where the database, stores, sources and engine are wired.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readKeySetFile } from './adapters/config/key-set-seed.ts';
import { type LoadedConfig, loadConfig } from './adapters/config/load-config.ts';
import { loadSettings, readSecret, type Settings } from './adapters/config/settings.ts';
import { createLogger } from './adapters/log/logger.ts';
import { secretRedactor } from './adapters/log/secret-redactor.ts';
import { createBackfillStore } from './adapters/postgres/backfill-store.ts';
import type { Database, Queryable } from './adapters/postgres/database.ts';
import { createDatasetReader } from './adapters/postgres/dataset-reader.ts';
import { ensureDatasetTables, qualifiedTable, type TableSetup } from './adapters/postgres/dataset-tables.ts';
import { createDatasetWriter, dropOrphanStages } from './adapters/postgres/dataset-writer.ts';
import { createExecutionStore } from './adapters/postgres/execution-store.ts';
import { createFreshnessQueries, freshnessProjectOf } from './adapters/postgres/freshness-store.ts';
import { createKeySetQueries, loadKeySets } from './adapters/postgres/key-set-store.ts';
import { createMetricsQueries } from './adapters/postgres/metrics-store.ts';
import { migrate } from './adapters/postgres/migrate.ts';
import { openPostgres } from './adapters/postgres/pg-database.ts';
import { openPglite } from './adapters/postgres/pglite-database.ts';
import { createQuarantineQueries, createQuarantineStore } from './adapters/postgres/quarantine-store.ts';
import { inRolledBackUnit } from './adapters/postgres/rolled-back-unit.ts';
import { createRunDispatchStore } from './adapters/postgres/run-dispatch-store.ts';
import { cancelRun, startHeartbeat, type TableOfDataset } from './adapters/postgres/run-liveness.ts';
import { activeRun, createRunQueries, createRunStore } from './adapters/postgres/run-store.ts';
import { createRunSweepStore } from './adapters/postgres/run-sweep-store.ts';
import { createRunWorkStore } from './adapters/postgres/run-work-store.ts';
import { createScheduleTickStore } from './adapters/postgres/schedule-tick-store.ts';
import { createSharedProviderStore } from './adapters/postgres/shared-provider-store.ts';
import { createSourceStateQueries } from './adapters/postgres/source-status.ts';
import {
  createStatusQueries,
  lastRunPerPipeline,
  recentOutcomesPerPipeline,
} from './adapters/postgres/stats-store.ts';
import { startBackfillWork } from './adapters/queue/backfill-workers.ts';
import { startRunQueue } from './adapters/queue/run-queue.ts';
import { createProcessLimits } from './adapters/sources/process-limits.ts';
import { createSourceReader } from './adapters/sources/read-source.ts';
import type { DatasetDefinition } from './domain/dataset-definition.ts';
import { NotFoundError } from './domain/errors.ts';
import { assertIdentifier } from './domain/identifier.ts';
import { keySetNamesOf } from './domain/key-set.ts';
import type { KeySets } from './domain/partition-set.ts';
import type { ResolvedPipeline } from './domain/pipeline-definition.ts';
import type { RunLiveness } from './domain/run-liveness.ts';
import { sourceProviders } from './domain/source-definition.ts';
import type { SluiceApp } from './engine/app.ts';
import { createBackfills } from './engine/backfills.ts';
import { createDatasets } from './engine/datasets.ts';
import { createFreshness } from './engine/freshness.ts';
import { createKeySets } from './engine/key-sets.ts';
import { createPipelines } from './engine/pipelines.ts';
import {
  type CollectPorts,
  type DatasetWriter,
  type Logger,
  type RunReport,
  systemClock,
} from './engine/ports.ts';
import { createQuarantine } from './engine/quarantine.ts';
import { createReplayRun } from './engine/replay-run.ts';
import type { LaunchOptions, RunOptions } from './engine/run-pipeline.ts';
import { type AbandonedRun, createRunSweep } from './engine/run-sweep.ts';
import { createRuns } from './engine/runs.ts';
import { createSchedule } from './engine/schedule.ts';
import { createSources } from './engine/sources.ts';
import { createStatus } from './engine/status.ts';

export type { RunOptions } from './engine/run-pipeline.ts';

export interface OpenOptions {
  configPath?: string;
  cwd?: string;
  /** @defaultValue settings.databaseUrl (DATABASE_URL) */
  databaseUrl?: string;
  /** Embedded data directory. @defaultValue SLUICE_DATA_DIR or `.sluice` beside the config */
  dataDir?: string;
  /** Schema holding the dataset tables. @defaultValue SLUICE_DB_SCHEMA or 'public' */
  schema?: string;
  logger?: Logger;
  /** The parsed environment. @defaultValue loadSettings() of the environment at the call */
  settings?: Settings;
}

/** The schema for dataset tables, checked by the identifier helper so an error names where it came from. */
function datasetSchema(option: string | undefined, settings: Settings): string {
  if (option === undefined) return settings.dbSchema;
  assertIdentifier(option, 'the schema option');
  return option;
}

export interface Sluice extends LoadedConfig {
  /** What routes and commands call; everything below it is the wiring they are moving off. */
  app: SluiceApp;
  /** The environment, parsed once when the project was opened. */
  settings: Settings;
  db: Database;
  schema: string;
  logger: Logger;
  migrations: string[];
  tables: TableSetup[];
  pipeline(name: string): ResolvedPipeline;
  /**
   * The stored key sets the pipeline's key dimensions read (an empty map when none). Pass `on`
   * inside a transaction: PGlite has one connection.
   */
  keySets(pipeline: ResolvedPipeline, on?: Queryable): Promise<KeySets>;
  run(name: string, options?: RunOptions): Promise<RunReport>;
  /**
   * Starts a run in the background and returns its id at once; at most one active run per
   * pipeline in this process (a second launch is a ConflictError naming the active run).
   */
  launch(name: string, options?: LaunchOptions): { runId: string; done: Promise<RunReport> };
  /** Heartbeat and stale intervals of runs (SLUICE_RUN_HEARTBEAT_MS, SLUICE_RUN_STALE_MS). */
  liveness: RunLiveness;
  /**
   * Fails running runs whose heartbeat stopped (their process died) as `abandoned`, with their
   * counts recounted from the rows they wrote; their pipelines are free again.
   */
  abandonStaleRuns(): Promise<AbandonedRun[]>;
  /** Sets the inserted/updated counts of runs that ended without finishing from the rows carrying their id. */
  recountRuns(ids: readonly string[]): Promise<void>;
  /** Waits for every launched run (for graceful shutdown), at most `timeoutMs`. */
  settle(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function openDatabase(options: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  const url = options.databaseUrl;
  if (url) return openPostgres(url);
  return openPglite(options.dataDir);
}

/** Reads the env var of every secret() the config uses, so logs and errors can scrub its value. */
function registerSecrets(config: LoadedConfig['config']): void {
  for (const pipeline of config.pipelines.values()) {
    for (const source of sourceProviders(pipeline.source)) {
      if (source.kind !== 'http') continue;
      for (const [, value] of [...source.query, ...source.headers]) {
        if ('env' in value) secretRedactor.add(readSecret(value.env));
      }
    }
  }
}

/** Schedules as the environment overrides them (SLUICE_SCHEDULE_<PIPELINE>), applied once at load. */
function applyScheduleOverrides(loaded: LoadedConfig, settings: Settings, logger: Logger): LoadedConfig {
  const pipelines = new Map<string, ResolvedPipeline>();
  for (const [name, pipeline] of loaded.config.pipelines) {
    pipelines.set(name, { ...pipeline, schedule: settings.scheduleOf(name, pipeline.schedule) });
  }
  for (const variable of settings.unknownScheduleVariables([...pipelines.keys()])) {
    logger.warn({ variable }, `${variable} names no pipeline of this config; it is ignored`);
  }
  return { ...loaded, config: { ...loaded.config, pipelines } };
}

/** Loads the config, opens and migrates the database and makes the dataset tables current. */
export async function openSluice(options: OpenOptions = {}): Promise<Sluice> {
  const settings = options.settings ?? loadSettings();
  const logger = options.logger ?? createLogger({ level: settings.logLevel, json: settings.logJson });
  const loaded = applyScheduleOverrides(await loadConfig(options.configPath, options.cwd), settings, logger);
  registerSecrets(loaded.config);
  const schema = datasetSchema(options.schema, settings);
  const dataDir = options.dataDir ?? settings.dataDir ?? join(loaded.baseDir, '.sluice');
  const databaseUrl = options.databaseUrl ?? settings.databaseUrl;
  const db = await openDatabase({ databaseUrl, dataDir });
  const liveness = settings.liveness;
  const tableOf: TableOfDataset = (name) => {
    const dataset = loaded.config.datasets.get(name);
    return dataset ? qualifiedTable(schema, dataset) : undefined;
  };
  const sweepStore = createRunSweepStore(db, { staleMs: liveness.staleMs, tableOf });
  let migrations: string[];
  let tables: TableSetup[];
  try {
    migrations = await migrate(db);
    tables = await db.transaction((tx) => ensureDatasetTables(tx, loaded.config.datasets.values(), schema));
    // A run whose process died (kill -9, OOM) would hold its pipeline for ever: fail it first,
    // then drop the staging tables of runs that are no longer running.
    await createRunSweep({ store: sweepStore, logger }).abandonStale();
    await dropOrphanStages(db);
  } catch (error) {
    await db.close();
    throw error;
  }

  const pipelineNamed = (name: string): ResolvedPipeline => {
    const found = loaded.config.pipelines.get(name);
    if (found) return found;
    const known = [...loaded.config.pipelines.keys()];
    throw new NotFoundError(
      `pipeline "${name}" is not defined in ${loaded.path} (defined: ${known.join(', ') || 'none'})`,
    );
  };

  // Retry budgets and slot queues are per process; breakers, limits and stats are shared in the database.
  const limits = createProcessLimits();
  const portsOn = (queryable: Queryable): CollectPorts => {
    const writers = new Map<string, DatasetWriter>();
    // PGlite has one connection: inside a dry run's transaction the provider state must go through it.
    const store = createSharedProviderStore(db.kind === 'postgres' ? db : queryable, db);
    return {
      readSource: createSourceReader({ store, limits, env: settings.overrides }),
      writerFor(dataset: DatasetDefinition) {
        let writer = writers.get(dataset.name);
        if (!writer) {
          writer = createDatasetWriter(queryable, schema, dataset);
          writers.set(dataset.name, writer);
        }
        return writer;
      },
      runs: createRunStore(queryable),
      executions: createExecutionStore(queryable),
      quarantine: createQuarantineStore(queryable),
      clock: systemClock,
      logger,
      newRunId: randomUUID,
    };
  };

  const runQueries = createRunQueries(db);
  const replay = createReplayRun({
    getRun: runQueries.get,
    pipeline: pipelineNamed,
    keySets: (pipeline) => sluice.keySets(pipeline),
    quarantine: createQuarantineQueries(db),
    collectPorts: () => portsOn(db),
    startHeartbeat: (runId) => startHeartbeat(db, runId, liveness.heartbeatMs, logger),
    baseDir: loaded.baseDir,
    worker: `${hostname()}:${process.pid}`,
  });

  const app: SluiceApp = {
    project: {
      path: loaded.path,
      baseDir: loaded.baseDir,
      config: loaded.config,
      schema,
      pipeline: pipelineNamed,
    },
    backfills: createBackfills({
      store: createBackfillStore(db),
      pipeline: pipelineNamed,
      keySets: (pipeline) => sluice.keySets(pipeline),
      newId: randomUUID,
      workHere: (concurrency) => startBackfillWork(sluice, concurrency),
    }),
    runs: createRuns({
      store: runQueries,
      cancel: (id, by) => cancelRun(db, id, by, tableOf),
      replay,
      logger,
    }),
    quarantine: createQuarantine({ store: createQuarantineQueries(db), resolveRunId: runQueries.resolveId }),
    datasets: createDatasets({
      reader: createDatasetReader(db, schema),
      stats: createStatusQueries(db, schema),
      project: { ...loaded, schema },
    }),
    freshness: createFreshness({
      store: createFreshnessQueries(db, freshnessProjectOf({ schema, config: loaded.config })),
      activeRun: (pipeline) => activeRun(db, pipeline),
      project: loaded,
      clock: settings.clock,
      logger: logger.child({ stage: 'freshness' }),
    }),
    keySets: createKeySets({ store: createKeySetQueries(db), project: loaded, readFile: readKeySetFile }),
    sources: createSources({
      store: createSourceStateQueries(db),
      pipelines: () => loaded.config.pipelines.values(),
      env: settings.overrides,
      redact: (text) => secretRedactor.redact(text),
    }),
    status: createStatus({
      store: createStatusQueries(db, schema),
      metrics: createMetricsQueries(db),
      project: { ...loaded, schema },
      database: db,
    }),
    pipelines: createPipelines({
      run: {
        pipeline: pipelineNamed,
        keySets: (pipeline) => sluice.keySets(pipeline),
        collectPorts: () => portsOn(db),
        rolledBack: (work) => inRolledBackUnit(db, (tx) => work(portsOn(tx))),
        startHeartbeat: (runId) => startHeartbeat(db, runId, liveness.heartbeatMs, logger),
        // A server gets two writes in flight on two connections; PGlite has one connection.
        writeLanes: db.kind === 'postgres' ? 2 : 1,
        baseDir: loaded.baseDir,
        worker: `${hostname()}:${process.pid}`,
        newRunId: randomUUID,
        logger,
      },
      dispatch: createRunDispatchStore(db),
      sweep: sweepStore,
      work: createRunWorkStore(db),
      lastRuns: () => lastRunPerPipeline(db),
      recentOutcomes: (pipelines, limit) => recentOutcomesPerPipeline(db, pipelines, limit),
      pipelines: () => loaded.config.pipelines.values(),
      openQueue: () => startRunQueue(db, { databaseUrl, logger }),
      clock: settings.clock,
    }),
    schedule: createSchedule({
      ticks: createScheduleTickStore(db),
      pipelines: () => loaded.config.pipelines.values(),
      clock: settings.clock,
      logger,
    }),
  };

  const sluice: Sluice = {
    ...loaded,
    app,
    settings,
    db,
    schema,
    logger,
    migrations,
    tables,
    pipeline: pipelineNamed,
    keySets: (pipeline, on = db) => loadKeySets(on, keySetNamesOf(pipeline.partitioning)),
    run: app.pipelines.run,
    launch: app.pipelines.launch,
    liveness,
    abandonStaleRuns: app.pipelines.abandonStaleRuns,
    recountRuns: app.pipelines.recountRuns,
    settle: app.pipelines.settle,
    close: () => db.close(),
  };
  return sluice;
}

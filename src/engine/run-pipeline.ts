// Running a pipeline once in this process, for real or as a dry run, in the foreground or in the
// background (one active run per pipeline or partition), and waiting for those on shutdown.
import { ConflictError } from '../domain/errors.ts';
import { resolvePartitionRun } from '../domain/partition-run.ts';
import type { KeySets } from '../domain/partition-set.ts';
import type { ResolvedPipeline } from '../domain/pipeline-definition.ts';
import { runSlot } from '../domain/run-slot.ts';
import { type CollectOptions, collectPipeline } from './collect-pipeline.ts';
import type { CollectPorts, Logger, RunReport } from './ports.ts';

export interface RunOptions {
  dryRun?: boolean;
  trigger?: string;
  batchSize?: number;
  runId?: string;
  attempt?: number;
  worker?: string;
  jobId?: string;
  signal?: AbortSignal;
  /** The partition to collect (`2025-W03|site=annecy`); required for a partitioned pipeline. */
  partition?: string;
}

export interface LaunchOptions {
  trigger?: string;
  runId?: string;
  partition?: string;
}

export interface RunPipelinePorts {
  pipeline(name: string): ResolvedPipeline;
  /** The stored key sets the pipeline's key dimensions read (an empty map when none). */
  keySets(pipeline: ResolvedPipeline): Promise<KeySets>;
  /** The collect ports of a real run. */
  collectPorts(): CollectPorts;
  /** Runs `work` with collect ports whose writes are all rolled back when it ends (a dry run). */
  rolledBack<T>(work: (ports: CollectPorts) => Promise<T>): Promise<T>;
  /** Bumps the run's heartbeat until stopped, so a run whose process dies is found and failed. */
  startHeartbeat(runId: string): { stop(): void };
  /** Concurrent writes of a real run (a dry run's single unit has one). */
  writeLanes: number;
  baseDir: string;
  /** This process, `host:pid`: an abandoned run says who stopped beating. */
  worker: string;
  newRunId(): string;
  logger: Logger;
}

export interface RunPipeline {
  run(name: string, options?: RunOptions): Promise<RunReport>;
  /**
   * Starts a run in the background and returns its id at once; at most one active run per
   * pipeline in this process (a second launch is a ConflictError naming the active run).
   */
  launch(name: string, options?: LaunchOptions): { runId: string; done: Promise<RunReport> };
  /** Waits for every launched run (for graceful shutdown), at most `timeoutMs`. */
  settle(timeoutMs: number): Promise<boolean>;
}

export function createRunPipeline(ports: RunPipelinePorts): RunPipeline {
  const active = new Map<string, { runId: string; done: Promise<RunReport> }>();

  const run: RunPipeline['run'] = async (name, runOptions = {}) => {
    const definition = ports.pipeline(name);
    const resolved = resolvePartitionRun(definition, runOptions.partition, await ports.keySets(definition));
    const pipeline = resolved.pipeline;
    const runId = runOptions.runId ?? ports.newRunId();
    const collect: CollectOptions = {
      trigger: runOptions.trigger ?? 'manual',
      runId,
      attempt: runOptions.attempt,
      worker: runOptions.worker ?? ports.worker,
      jobId: runOptions.jobId,
      signal: runOptions.signal,
      baseDir: ports.baseDir,
      dryRun: runOptions.dryRun ?? false,
      writeLanes: runOptions.dryRun ? 1 : ports.writeLanes,
      ...(runOptions.batchSize ? { batchSize: runOptions.batchSize } : {}),
      ...(resolved.partition ? { partitionKey: resolved.partition.key } : {}),
    };
    const problem = resolved.problem;
    // A partition whose templates cannot render is a failed run, recorded before any request.
    const withProblem = (collectPorts: CollectPorts): CollectPorts =>
      problem
        ? {
            ...collectPorts,
            readSource: () => {
              throw problem;
            },
          }
        : collectPorts;
    if (!runOptions.dryRun) {
      // Every real run beats, queued or direct: a run whose process dies is found and failed.
      const heartbeat = ports.startHeartbeat(runId);
      try {
        return await collectPipeline(withProblem(ports.collectPorts()), pipeline, collect);
      } finally {
        heartbeat.stop();
      }
    }
    // A dry run does everything inside one unit that is rolled back: the counts are what Postgres
    // would have done, and nothing stays written.
    return ports.rolledBack((collectPorts) => collectPipeline(withProblem(collectPorts), pipeline, collect));
  };

  return {
    run,
    launch(name, launchOptions = {}) {
      const pipeline = ports.pipeline(name);
      const partition = launchOptions.partition;
      // Partitions of one pipeline run side by side; one active run per partition.
      const slot = runSlot(pipeline.name, partition);
      const running = active.get(slot);
      if (running) {
        throw new ConflictError(
          `pipeline "${pipeline.name}"${partition === undefined ? '' : ` partition ${partition}`} already has an active run (${running.runId})`,
        );
      }
      const runId = launchOptions.runId ?? ports.newRunId();
      const done = run(pipeline.name, {
        trigger: launchOptions.trigger ?? 'manual',
        runId,
        ...(partition === undefined ? {} : { partition }),
      });
      const entry = { runId, done };
      active.set(slot, entry);
      const forget = () => {
        if (active.get(slot) === entry) active.delete(slot);
      };
      done.then(forget, (error: unknown) => {
        forget();
        ports.logger.error(
          { runId, pipeline: pipeline.name, err: error },
          'run crashed outside its own error handling',
        );
      });
      return entry;
    },
    async settle(timeoutMs) {
      const all = Promise.allSettled([...active.values()].map((entry) => entry.done)).then(() => true);
      const timeout = new Promise<boolean>((resolve) => setTimeout(resolve, timeoutMs, false).unref());
      return Promise.race([all, timeout]);
    },
  };
}

// The pipelines section: what each pipeline is with its last run, running one (real or dry, now or
// in the background), triggering through the queue or in process, waiting, working jobs, sweeping.
import type { ResolvedPipeline } from '../domain/pipeline-definition.ts';
import type { RunStatus } from '../domain/run-status.ts';
import type { Clock, RunReport } from './ports.ts';
import {
  type BulkTrigger,
  createRunDispatch,
  type RunDispatcher,
  type RunDispatchStore,
  type TriggerTarget,
} from './run-dispatch.ts';
import { type EveryPipelineResult, type NotRun, runEveryPipeline } from './run-every-pipeline.ts';
import type { RunJobs } from './run-jobs.ts';
import { createRunPipeline, type RunPipeline, type RunPipelinePorts } from './run-pipeline.ts';
import type { PipelineLastRun, RunDetail } from './run-record.ts';

import { type AbandonedRun, createRunSweep, type RunSweepStore } from './run-sweep.ts';
import { createRunWork, type RunWork, type RunWorkStore } from './run-work.ts';

/** The statuses a success rate counts: runs that did their work; skipped and cancelled ones did not. */
export const RATED_STATUSES = ['succeeded', 'partial', 'failed'] as const satisfies readonly RunStatus[];
export type RatedStatus = (typeof RATED_STATUSES)[number];

/** How many recent runs a pipeline's success rate is taken over. */
export const RECENT_RUNS = 20;

/** A pipeline's last (at most RECENT_RUNS) rated runs by status, and the share that succeeded. */
export interface RecentOutcomes {
  /** Rated runs counted, at most RECENT_RUNS. */
  runs: number;
  succeeded: number;
  partial: number;
  failed: number;
  /** succeeded / runs, in [0, 1]; null when the pipeline has no rated run yet. */
  successRate: number | null;
}

export interface PipelineSummary {
  pipeline: ResolvedPipeline;
  lastRun: PipelineLastRun | null;
  recent: RecentOutcomes;
}

export interface Pipelines extends RunPipeline {
  /** Every pipeline of the config, in config order, with its last run and recent success rate. */
  list(): Promise<PipelineSummary[]>;
  /** `run --all`: every pipeline once, a partitioned one for each partition its schedule runs now. */
  runEvery(options: {
    dryRun: boolean;
    onRun?: (report: RunReport) => void;
    onNotRun?: (notRun: NotRun) => void;
  }): Promise<EveryPipelineResult>;
  /** Starts triggered runs: queued for the workers with `jobs`, else in this process. */
  dispatcher(jobs?: RunJobs): RunDispatcher;
  /** Queues a run for each target in one unit; busy targets are skipped (see RunDispatch). */
  triggerMany(jobs: RunJobs, targets: readonly TriggerTarget[], trigger: string): Promise<BulkTrigger>;
  /** Waits until a run (of any process) reaches a terminal status, at most `timeoutMs`. */
  wait(runId: string, timeoutMs: number): Promise<RunDetail>;
  /** Opens the run queue in the project's database; the caller stops it. */
  openQueue(): Promise<RunJobs>;
  /**
   * Fails running runs whose heartbeat stopped (their process died) as `abandoned`, with their
   * counts recounted from the rows they wrote; their pipelines are free again.
   */
  abandonStaleRuns(): Promise<AbandonedRun[]>;
  /** Sets the inserted/updated counts of runs that ended without finishing from the rows carrying their id. */
  recountRuns(ids: readonly string[]): Promise<void>;
  /** One sweep: queued runs without a job after `graceSeconds` are sent again; stale runs abandoned. */
  sweep(jobs: RunJobs, graceSeconds: number): Promise<string[]>;
  /** What a worker does with a run job. */
  work: RunWork;
}

export interface PipelinesPorts {
  run: RunPipelinePorts;
  dispatch: RunDispatchStore;
  sweep: RunSweepStore;
  work: RunWorkStore;
  lastRuns(): Promise<PipelineLastRun[]>;
  /** Per pipeline, how many of its last `limit` runs with a rated status ended in each of them. */
  recentOutcomes(
    pipelines: readonly string[],
    limit: number,
  ): Promise<Array<{ pipeline: string; status: RatedStatus; runs: number }>>;
  pipelines(): Iterable<ResolvedPipeline>;
  openQueue(): Promise<RunJobs>;
  clock: Clock;
}

function recentOutcomes(rows: ReadonlyArray<{ status: RatedStatus; runs: number }>): RecentOutcomes {
  const count = (status: RatedStatus) => rows.find((row) => row.status === status)?.runs ?? 0;
  const succeeded = count('succeeded');
  const runs = succeeded + count('partial') + count('failed');
  return {
    runs,
    succeeded,
    partial: count('partial'),
    failed: count('failed'),
    successRate: runs === 0 ? null : succeeded / runs,
  };
}

export function createPipelines(ports: PipelinesPorts): Pipelines {
  const { logger } = ports.run;
  const running = createRunPipeline(ports.run);
  const sweep = createRunSweep({ store: ports.sweep, logger });
  const dispatch = createRunDispatch({
    store: ports.dispatch,
    pipeline: ports.run.pipeline,
    abandonStaleRuns: sweep.abandonStale,
    launch: running.launch,
  });
  const work = createRunWork({
    store: ports.work,
    pipeline: ports.run.pipeline,
    run: running.run,
    recount: sweep.recount,
    newRunId: ports.run.newRunId,
    worker: ports.run.worker,
    logger,
  });
  return {
    ...running,
    async list() {
      const pipelines = [...ports.pipelines()];
      const [lastRuns, outcomes] = await Promise.all([
        ports.lastRuns(),
        ports.recentOutcomes(
          pipelines.map((pipeline) => pipeline.name),
          RECENT_RUNS,
        ),
      ]);
      const lastRun = new Map(lastRuns.map((run) => [run.pipeline, run]));
      return pipelines.map((pipeline) => ({
        pipeline,
        lastRun: lastRun.get(pipeline.name) ?? null,
        recent: recentOutcomes(outcomes.filter((row) => row.pipeline === pipeline.name)),
      }));
    },
    runEvery: (options) =>
      runEveryPipeline(
        {
          pipelines: ports.pipelines(),
          keySets: ports.run.keySets,
          run: running.run,
          clock: ports.clock,
        },
        options,
      ),
    dispatcher: (jobs) => (jobs ? dispatch.queued(jobs) : dispatch.inProcess()),
    triggerMany: dispatch.triggerMany,
    wait: dispatch.wait,
    openQueue: ports.openQueue,
    abandonStaleRuns: sweep.abandonStale,
    recountRuns: sweep.recount,
    sweep: sweep.sweep,
    work,
  };
}

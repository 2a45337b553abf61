// What a worker does with one run job: skip a run cancelled by hand, close the run of an attempt
// that died, run the pipeline, and settle a backfill partition with how its run ended.
import { type PartitionState, partitionStateOfRun } from '../domain/backfill.ts';
import { ErrorCode, errorCode, errorMessage } from '../domain/errors.ts';
import type { ResolvedPipeline } from '../domain/pipeline-definition.ts';
import { isRunStatus, type RunStatus } from '../domain/run-status.ts';
import type { Logger, RunReport } from './ports.ts';
import type { RunJob } from './run-jobs.ts';
import type { RunOptions } from './run-pipeline.ts';

const completedWork: readonly RunStatus[] = ['succeeded', 'partial', 'skipped'];
/** Errors thrown before a run starts that no retry can fix. */
const CANNOT_START: ReadonlySet<string> = new Set([ErrorCode.usage, ErrorCode.config, ErrorCode.notFound]);

export interface RunWorkStore {
  /** The job's latest run when someone cancelled it by hand (a shutdown's cancel is not one). */
  cancelledByHand(jobId: string): Promise<{ id: string; error: string } | undefined>;
  /**
   * In one unit: fails the job's runs still queued or running (their attempt died) with `reason`
   * and records the next attempt's run as queued under the same job. Returns the failed ids.
   */
  retryJob(
    next: {
      jobId: string;
      runId: string;
      pipeline: string;
      dataset: string;
      trigger: string;
      partitionKey?: string;
    },
    reason: string,
  ): Promise<string[]>;
  /** Fails the job's queued or running runs with the reason and error code. */
  failJob(jobId: string, reason: string, code: string): Promise<string[]>;
  /** The last run of a job (attempts after a crash share the job). */
  lastRunOfJob(jobId: string): Promise<{ id: string; status: string; error: string | null } | undefined>;
  /** Records how a backfill partition's run ended, by its job. */
  settleBackfillPartition(outcome: {
    jobId: string;
    runId: string;
    state: PartitionState;
    error: string | null;
  }): Promise<unknown>;
}

export interface RunWorkPorts {
  store: RunWorkStore;
  pipeline(name: string): ResolvedPipeline;
  run(name: string, options: RunOptions): Promise<RunReport>;
  /** Recounts runs from the rows carrying their id (a dead attempt may have merged after its last update). */
  recount(ids: readonly string[]): Promise<void>;
  newRunId(): string;
  /** This process, `host:pid`. */
  worker: string;
  logger: Logger;
}

/** How this process is running the job: its abort signal, and whether a shutdown has begun. */
export interface JobContext {
  signal: AbortSignal;
  stopping(): boolean;
}

export interface JobOutcome {
  runId: string;
  status: RunStatus;
  error: string | null;
}

export interface RunWork {
  /**
   * Runs the job's run and says how it ended. Throws, so that the queue retries the job, when a
   * shutdown interrupted the run or something transient (the database) failed.
   */
  handle(job: RunJob, context: JobContext): Promise<JobOutcome>;
  /** A backfill partition's job: its run (or the one a killed worker finished), then the settle. */
  handleBackfill(job: RunJob, context: JobContext): Promise<void>;
}

export function createRunWork(ports: RunWorkPorts): RunWork {
  const { store } = ports;
  const handle: RunWork['handle'] = async (job, context) => {
    const { pipeline, trigger, partition } = job.data;
    let runId = job.data.runId;
    const logger = ports.logger.child({ jobId: job.id, pipeline, attempt: job.retryCount + 1 });
    // An admin cancelled the job's run (`sluice runs cancel`): it is not run, nor run again.
    const cancelled = await store.cancelledByHand(job.id);
    if (cancelled) {
      logger.warn({ runId: cancelled.id }, `${cancelled.error}; its job is not run`);
      return { runId: cancelled.id, status: 'cancelled', error: cancelled.error };
    }
    if (job.retryCount > 0) {
      // The previous attempt's worker died or was stopped: close its run, start a new one.
      runId = ports.newRunId();
      const abandoned = await store.retryJob(
        {
          jobId: job.id,
          runId,
          pipeline,
          dataset: ports.pipeline(pipeline).into.name,
          trigger,
          ...(partition === undefined ? {} : { partitionKey: partition }),
        },
        `attempt ${job.retryCount} stopped without finishing (worker killed, stopped or disconnected); retried`,
      );
      // The dead attempt may have merged rows after its last counter update.
      await ports.recount(abandoned);
      logger.warn({ abandoned, runId }, 'retrying a run whose worker stopped');
    }
    try {
      const report = await ports.run(pipeline, {
        runId,
        trigger,
        attempt: job.retryCount + 1,
        worker: ports.worker,
        jobId: job.id,
        signal: context.signal,
        ...(partition === undefined ? {} : { partition }),
      });
      // A run cut short by shutdown fails its job, so the queue hands it to another worker at once.
      if (report.status === 'cancelled' && context.stopping())
        throw new Error(`run ${runId} interrupted by shutdown`);
      return { runId: report.runId, status: report.status, error: report.errors.at(-1)?.message ?? null };
    } catch (error) {
      if (context.stopping() || !CANNOT_START.has(errorCode(error))) throw error;
      // The run cannot even start (its partition no longer parses, its key left the key set): it
      // fails with the reason at once instead of burning the job's retries without a word.
      const message = errorMessage(error);
      await store.failJob(job.id, message, errorCode(error));
      logger.error({ runId, err: error }, 'run could not start');
      return { runId, status: 'failed', error: message };
    }
  };

  return {
    handle,
    async handleBackfill(job, context) {
      // A worker killed between its run's end and the settle leaves a run that did its work: settle
      // with it rather than collect the partition again. A cancelled (shutdown) or failed run reruns.
      const finished = job.retryCount > 0 ? await store.lastRunOfJob(job.id) : undefined;
      const done =
        finished && isRunStatus(finished.status) && completedWork.includes(finished.status)
          ? { runId: finished.id, status: finished.status, error: finished.error }
          : await handle(job, context);
      await store.settleBackfillPartition({
        jobId: job.id,
        runId: done.runId,
        state: partitionStateOfRun(done.status),
        error: done.error,
      });
    },
  };
}

// Evaluating schedules: every process evaluates due ticks; the store's lock per pipeline and its
// unique tick key make each tick fire exactly once however many processes run it.
import { ErrorCode, errorMessage, isSluiceError } from '../domain/errors.ts';
import { partitionsForTick } from '../domain/partition-set.ts';
import type { ResolvedPipeline } from '../domain/pipeline-definition.ts';
import { dueTicks } from '../domain/schedule-ticks.ts';
import type { Logger } from './ports.ts';
import { type DispatchUnit, queueRun } from './run-dispatch.ts';
import type { RunJobs } from './run-jobs.ts';

export interface TickOutcome {
  pipeline: string;
  scheduledAt: Date;
  outcome: 'fired' | 'skipped' | 'missed';
  reason: string | null;
  /** The first queued run; a partitioned pipeline's tick lists all of them in `runs`. */
  runId: string | null;
  /** Every run a fired tick queued, with its partition (absent for an unpartitioned pipeline). */
  runs?: Array<{ runId: string; partitionKey?: string }>;
}

/** The dispatch unit of one pipeline's evaluation, which also records its ticks. */
export interface TickUnit extends DispatchUnit {
  /** Records a tick once per (pipeline, scheduled time); false when one was already recorded. */
  recordTick(tick: TickOutcome, evaluatedAt: Date): Promise<boolean>;
}

export interface ScheduleTickStore {
  /**
   * One atomic evaluation of a pipeline's schedule under its state lock: `work` gets the last
   * evaluation time when it is before `now`, and `now` becomes the last one. Another process
   * holding the lock, or an evaluation already at `now`, gives no outcome and skips `work`.
   */
  evaluateLocked(
    pipeline: string,
    now: Date,
    work: (lastEvaluatedAt: Date, unit: TickUnit) => Promise<TickOutcome[]>,
  ): Promise<TickOutcome[]>;
}

export interface ScheduleTicksPorts {
  store: ScheduleTickStore;
  pipelines: () => Iterable<ResolvedPipeline>;
  logger: Logger;
}

/** Records the due ticks of one pipeline: missed ones with their reason, fired ones with their runs. */
async function evaluatePipeline(
  unit: TickUnit,
  pipeline: ResolvedPipeline,
  last: Date,
  now: Date,
): Promise<TickOutcome[]> {
  const schedule = pipeline.schedule;
  if (!schedule) return [];
  const due = dueTicks(schedule, { lastEvaluatedAt: last, now });
  const outcomes: TickOutcome[] = [];
  if (due.truncated) {
    // An outage longer than the tick cap: one marker row stands for the ticks not listed.
    const { after, before } = due.truncated;
    const marker: TickOutcome = {
      pipeline: pipeline.name,
      scheduledAt: after,
      outcome: 'missed',
      reason: `misfire_grace_exceeded: ticks after ${after.toISOString()} and before ${before.toISOString()} were not listed (outage longer than the tick cap)`,
      runId: null,
    };
    if (await unit.recordTick(marker, now)) outcomes.push(marker);
  }
  for (const missed of due.missed) {
    const tick: TickOutcome = {
      pipeline: pipeline.name,
      scheduledAt: missed.at,
      outcome: 'missed',
      reason: missed.reason,
      runId: null,
    };
    if (await unit.recordTick(tick, now)) outcomes.push(tick);
  }
  for (const at of due.fire) {
    const tick = await fireTick(unit, pipeline, at);
    if (await unit.recordTick(tick, now)) outcomes.push(tick);
  }
  return outcomes;
}

/**
 * Queues a tick's runs: one for an unpartitioned pipeline, one per partition the tick targets for
 * a partitioned one. A pipeline or partition that still has an active run is skipped.
 */
async function fireTick(unit: DispatchUnit, pipeline: ResolvedPipeline, at: Date): Promise<TickOutcome> {
  const trigger = `schedule:${at.toISOString()}`;
  const skipped = (reason: string): TickOutcome => ({
    pipeline: pipeline.name,
    scheduledAt: at,
    outcome: 'skipped',
    reason,
    runId: null,
  });
  let partitionKeys: Array<string | undefined> = [undefined];
  if (pipeline.partitioning) {
    try {
      const keySets = await unit.keySets(pipeline);
      partitionKeys = partitionsForTick(pipeline.partitioning, at, keySets).map((partition) => partition.key);
    } catch (error) {
      // An empty key set is recorded on the tick, not retried by every evaluation forever.
      if (!isSluiceError(error) || error.code !== ErrorCode.usage) throw error;
      return skipped(error.message);
    }
  }
  if (partitionKeys.length === 0) {
    return skipped(`no partition: the window this tick targets is outside the pipeline's partitions`);
  }
  const runs: Array<{ runId: string; partitionKey?: string }> = [];
  const conflicts: string[] = [];
  for (const partitionKey of partitionKeys) {
    try {
      const runId = await queueRun(unit, pipeline, trigger, partitionKey);
      runs.push(partitionKey === undefined ? { runId } : { runId, partitionKey });
    } catch (error) {
      if (!isSluiceError(error) || error.code !== 'conflict') throw error;
      conflicts.push(error.message);
    }
  }
  const first = runs[0];
  if (!first) return skipped(conflicts.join('; '));
  return {
    pipeline: pipeline.name,
    scheduledAt: at,
    outcome: 'fired',
    // Partitions still running from an earlier tick are named; the others were queued.
    reason: conflicts.length > 0 ? `${conflicts.length} partitions skipped: ${conflicts.join('; ')}` : null,
    runId: first.runId,
    runs,
  };
}

/**
 * One evaluation of every schedule at `now`; returns what it recorded. The runs of fired ticks
 * are sent to `jobs` after their unit committed (the sweep sends those a crash left unsent).
 */
export async function evaluateSchedules(
  ports: ScheduleTicksPorts,
  jobs: RunJobs,
  now: Date,
): Promise<TickOutcome[]> {
  const logger = ports.logger.child({ stage: 'scheduler' });
  const all: TickOutcome[] = [];
  for (const pipeline of ports.pipelines()) {
    if (!pipeline.schedule) continue;
    try {
      const outcomes = await ports.store.evaluateLocked(pipeline.name, now, (last, unit) =>
        evaluatePipeline(unit, pipeline, last, now),
      );
      for (const tick of outcomes) {
        if (tick.outcome === 'fired') {
          const trigger = `schedule:${tick.scheduledAt.toISOString()}`;
          for (const { runId, partitionKey } of tick.runs ?? []) {
            await jobs.enqueue({
              runId,
              pipeline: tick.pipeline,
              trigger,
              ...(partitionKey === undefined ? {} : { partition: partitionKey }),
            });
          }
        }
        logger.info(
          {
            pipeline: tick.pipeline,
            scheduledAt: tick.scheduledAt,
            outcome: tick.outcome,
            reason: tick.reason,
            runId: tick.runId,
            runs: tick.runs?.length,
          },
          `tick ${tick.outcome}`,
        );
      }
      all.push(...outcomes);
    } catch (error) {
      // A bad evaluation never stops the loop: it is logged and the next pass tries again.
      logger.error(
        { pipeline: pipeline.name, err: error },
        `schedule evaluation failed: ${errorMessage(error)}`,
      );
    }
  }
  return all;
}

// The scheduler loop: every process evaluates due ticks; a row lock per pipeline and a unique tick
// key make each tick fire exactly once however many processes run it.
import { ErrorCode, errorMessage, isSluiceError } from '../../domain/errors.ts';
import { partitionsForTick } from '../../domain/partition-set.ts';
import type { ResolvedPipeline } from '../../domain/pipeline-definition.ts';
import { dueTicks, nextTicks } from '../../domain/schedule-ticks.ts';
import type { Clock } from '../../engine/ports.ts';
import type { Sluice } from '../../main.ts';
import { startLoop } from '../loop.ts';
import type { Queryable } from '../postgres/database.ts';
import { recordQueuedRun } from './run-dispatch.ts';
import type { RunQueue } from './run-queue.ts';

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

export interface Scheduler {
  /** One evaluation of every schedule; returns what it recorded (fired ticks are queued after commit). */
  evaluate(): Promise<TickOutcome[]>;
  stop(): Promise<void>;
}

async function recordTick(tx: Queryable, tick: TickOutcome, evaluatedAt: Date): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO sluice.ticks (pipeline, scheduled_at, evaluated_at, outcome, reason, run_id)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pipeline, scheduled_at) DO NOTHING`,
    [tick.pipeline, tick.scheduledAt, evaluatedAt, tick.outcome, tick.reason, tick.runId],
  );
  return rowCount > 0;
}

/** Evaluates one pipeline's schedule under its state row lock; another process holding it skips. */
async function evaluatePipeline(
  sluice: Sluice,
  pipeline: ResolvedPipeline,
  now: Date,
): Promise<TickOutcome[]> {
  const schedule = pipeline.schedule;
  if (!schedule) return [];
  return sluice.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO sluice.schedule_state (pipeline, last_evaluated_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [pipeline.name, now],
    );
    const { rows } = await tx.query<{ last_evaluated_at: Date }>(
      'SELECT last_evaluated_at FROM sluice.schedule_state WHERE pipeline = $1 FOR UPDATE SKIP LOCKED',
      [pipeline.name],
    );
    const state = rows[0];
    if (!state) return [];
    const last = state.last_evaluated_at;
    if (last.getTime() >= now.getTime()) return [];
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
      if (await recordTick(tx, marker, now)) outcomes.push(marker);
    }
    for (const missed of due.missed) {
      const tick: TickOutcome = {
        pipeline: pipeline.name,
        scheduledAt: missed.at,
        outcome: 'missed',
        reason: missed.reason,
        runId: null,
      };
      if (await recordTick(tx, tick, now)) outcomes.push(tick);
    }
    for (const at of due.fire) {
      const tick = await fireTick(tx, sluice, pipeline, at);
      if (await recordTick(tx, tick, now)) outcomes.push(tick);
    }
    await tx.query(
      'UPDATE sluice.schedule_state SET last_evaluated_at = $2, updated_at = now() WHERE pipeline = $1',
      [pipeline.name, now],
    );
    return outcomes;
  });
}

/**
 * Queues a tick's runs: one for an unpartitioned pipeline, one per partition the tick targets for
 * a partitioned one. A pipeline or partition that still has an active run is skipped.
 */
async function fireTick(
  tx: Queryable,
  sluice: Sluice,
  pipeline: ResolvedPipeline,
  at: Date,
): Promise<TickOutcome> {
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
      const keySets = await sluice.keySets(pipeline, tx);
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
      const runId = await recordQueuedRun(tx, sluice, pipeline.name, trigger, partitionKey);
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

export function startScheduler(
  sluice: Sluice,
  queue: RunQueue,
  options: { clock: Clock; intervalMs: number },
): Scheduler {
  const logger = sluice.logger.child({ stage: 'scheduler' });
  const evaluate = async () => {
    const now = options.clock.now();
    const all: TickOutcome[] = [];
    for (const pipeline of sluice.config.pipelines.values()) {
      try {
        const outcomes = await evaluatePipeline(sluice, pipeline, now);
        for (const tick of outcomes) {
          if (tick.outcome === 'fired') {
            const trigger = `schedule:${tick.scheduledAt.toISOString()}`;
            for (const { runId, partitionKey } of tick.runs ?? []) {
              await queue.enqueue({
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
  };
  const loop = startLoop({ name: 'schedule evaluation', everyMs: options.intervalMs, logger, run: evaluate });
  return { evaluate, stop: () => loop.stop() };
}

export interface ScheduledJob {
  pipeline: string;
  cron: readonly string[];
  timezone: string;
  misfire: string;
  origin: string;
  nextRuns: string[];
  lastTick: { scheduledAt: string; outcome: string; reason: string | null; runId: string | null } | null;
}

/** Every scheduled pipeline with its next run times and its last recorded tick. */
export async function scheduledJobs(sluice: Sluice, now: Date, count = 3): Promise<ScheduledJob[]> {
  const { rows } = await sluice.db.query<{
    pipeline: string;
    scheduled_at: Date;
    outcome: string;
    reason: string | null;
    run_id: string | null;
  }>(
    `SELECT DISTINCT ON (pipeline) pipeline, scheduled_at, outcome, reason, run_id
       FROM sluice.ticks ORDER BY pipeline, scheduled_at DESC`,
  );
  const last = new Map(rows.map((row) => [row.pipeline, row]));
  return [...sluice.config.pipelines.values()]
    .filter((pipeline) => pipeline.schedule)
    .map((pipeline) => {
      const schedule = pipeline.schedule!;
      const tick = last.get(pipeline.name);
      return {
        pipeline: pipeline.name,
        cron: schedule.cron,
        timezone: schedule.timezone,
        misfire: schedule.misfire,
        origin: schedule.origin,
        nextRuns: nextTicks(schedule, now, count).map((at) => at.toISOString()),
        lastTick: tick
          ? {
              scheduledAt: tick.scheduled_at.toISOString(),
              outcome: tick.outcome,
              reason: tick.reason,
              runId: tick.run_id,
            }
          : null,
      };
    });
}

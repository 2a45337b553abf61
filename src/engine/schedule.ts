// The schedule section: each scheduled pipeline with its next runs and last tick, and one
// evaluation of every schedule (the scheduler loop calls it).
import type { ResolvedPipeline } from '../domain/pipeline-definition.ts';
import { nextTicks } from '../domain/schedule-ticks.ts';
import type { Clock, Logger } from './ports.ts';
import type { RunJobs } from './run-jobs.ts';
import { evaluateSchedules, type ScheduleTickStore, type TickOutcome } from './schedule-ticks-fire.ts';

export interface LastTick {
  scheduledAt: string;
  outcome: string;
  reason: string | null;
  runId: string | null;
}

export interface ScheduledJob {
  pipeline: string;
  cron: readonly string[];
  timezone: string;
  misfire: string;
  origin: string;
  nextRuns: string[];
  lastTick: LastTick | null;
}

export interface Schedule {
  /**
   * Every scheduled pipeline with its next `count` run times after `now` and its last recorded tick.
   * @defaultValue now: the app's clock; count: 3
   */
  jobs(options?: { now?: Date; count?: number }): Promise<ScheduledJob[]>;
  /** One evaluation of every schedule at `now`; fired ticks' runs are sent to `jobs` after commit. */
  evaluate(jobs: RunJobs, now: Date): Promise<TickOutcome[]>;
}

export interface SchedulePorts {
  ticks: ScheduleTickStore & {
    /** The latest recorded tick of each pipeline that has one. */
    lastTicks(): Promise<Map<string, LastTick>>;
  };
  pipelines: () => Iterable<ResolvedPipeline>;
  clock: Clock;
  logger: Logger;
}

export function createSchedule(ports: SchedulePorts): Schedule {
  return {
    async jobs({ now = ports.clock.now(), count = 3 } = {}) {
      const last = await ports.ticks.lastTicks();
      return [...ports.pipelines()].flatMap((pipeline) => {
        const schedule = pipeline.schedule;
        if (!schedule) return [];
        return [
          {
            pipeline: pipeline.name,
            cron: schedule.cron,
            timezone: schedule.timezone,
            misfire: schedule.misfire,
            origin: schedule.origin,
            nextRuns: nextTicks(schedule, now, count).map((at) => at.toISOString()),
            lastTick: last.get(pipeline.name) ?? null,
          },
        ];
      });
    },
    evaluate: (jobs, now) =>
      evaluateSchedules({ store: ports.ticks, pipelines: ports.pipelines, logger: ports.logger }, jobs, now),
  };
}

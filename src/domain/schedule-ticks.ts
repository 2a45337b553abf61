// When a schedule fires: its next ticks, and which past ticks run after an outage under its misfire policy.
import type { Cron } from 'croner';
import { compileCron, MisfirePolicy, type ResolvedSchedule } from './schedule-definition.ts';

/** Why a tick that came due will never run; stored with the tick. */
export const MissedReason = {
  /** Policy `skip`: late, within the grace period, deliberately not fired. */
  skipped: 'misfire_skip',
  /** Policy `once`: folded into the run of the latest missed tick. */
  coalesced: 'misfire_coalesced',
  /** Later than the grace period: never fired, whatever the policy. */
  graceExceeded: 'misfire_grace_exceeded',
} as const;
export type MissedReason = (typeof MissedReason)[keyof typeof MissedReason];

export interface MissedTick {
  readonly at: Date;
  readonly reason: MissedReason;
}

export interface DueTicksOptions {
  /** The `now` of the previous evaluation of this schedule; undefined on the very first one. */
  lastEvaluatedAt: Date | undefined;
  now: Date;
  /** A tick at most this late is on time and always fires; later ones are misfires. Seconds. */
  latenessToleranceSeconds?: number;
  /** Most ticks listed per evaluation, newest first, so a long outage costs bounded work. */
  maxTicks?: number;
}

export interface DueTicks {
  /** Ticks to run now, oldest first; each is the scheduled instant the run stands for. */
  fire: Date[];
  /** Ticks that will never run, oldest first, with the reason to record. */
  missed: MissedTick[];
  /**
   * Set when the window held more than `maxTicks` ticks: the ticks strictly between `after` and
   * `before` were not listed, and none of them fired. Record the interval as missed.
   */
  truncated: { after: Date; before: Date } | undefined;
}

export const dueTicksDefaults = {
  // Twice the engine's 30 s evaluation interval: a tick found by the next pass or the one after is on time.
  latenessToleranceSeconds: 60,
  // More than 16 hours of an every-minute cron, far beyond the default grace period.
  maxTicks: 1000,
} as const satisfies Required<Omit<DueTicksOptions, 'lastEvaluatedAt' | 'now'>>;

const compiled = new WeakMap<ResolvedSchedule, readonly Cron[]>();

function cronsOf(schedule: ResolvedSchedule): readonly Cron[] {
  let crons = compiled.get(schedule);
  if (crons === undefined) {
    crons = schedule.cron.map((expression) => compileCron(expression, schedule.timezone));
    compiled.set(schedule, crons);
  }
  return crons;
}

type Step = (cron: Cron, from: Date) => Date | undefined;
const forward: Step = (cron, from) => cron.nextRun(from) ?? undefined;
// previousRuns excludes a run exactly at the reference but includes one earlier in its second.
const backward: Step = (cron, from) => cron.previousRuns(1, from)[0];

/**
 * The ticks of all expressions merged in one direction, strictly beyond `from`. Expressions that
 * hit the same instant yield it once: a tick is an instant, not an (expression, instant) pair.
 */
function* walkTicks(crons: readonly Cron[], from: Date, step: Step, direction: 1 | -1): Generator<Date> {
  const heads = crons.map((cron) => step(cron, from));
  for (;;) {
    let best: number | undefined;
    for (const head of heads) {
      if (head !== undefined && (best === undefined || (head.getTime() - best) * direction < 0)) {
        best = head.getTime();
      }
    }
    if (best === undefined) return;
    yield new Date(best);
    heads.forEach((head, index) => {
      if (head !== undefined && head.getTime() === best) heads[index] = step(crons[index]!, head);
    });
  }
}

/**
 * The next `count` ticks strictly after `after`, merged across the cron list, sorted, without
 * duplicates. The first one is the schedule's "next run time".
 */
export function nextTicks(schedule: ResolvedSchedule, after: Date, count: number): Date[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`nextTicks: count must be a whole number ≥ 0, got ${count}`);
  }
  const ticks: Date[] = [];
  if (count === 0) return ticks;
  for (const tick of walkTicks(cronsOf(schedule), after, forward, 1)) {
    ticks.push(tick);
    if (ticks.length === count) break;
  }
  return ticks;
}

export function nextTick(schedule: ResolvedSchedule, after: Date): Date | undefined {
  return nextTicks(schedule, after, 1)[0];
}

/**
 * Decides the ticks in (lastEvaluatedAt, now]. A tick at most `latenessToleranceSeconds` old is on
 * time and fires. An older one is a misfire: beyond `misfireGraceSeconds` it is recorded as
 * `misfire_grace_exceeded`; within it the schedule's policy decides. On the first evaluation
 * (no lastEvaluatedAt) nothing in the past fires.
 */
export function dueTicks(schedule: ResolvedSchedule, options: DueTicksOptions): DueTicks {
  const { lastEvaluatedAt, now } = options;
  const toleranceSeconds = options.latenessToleranceSeconds ?? dueTicksDefaults.latenessToleranceSeconds;
  const maxTicks = options.maxTicks ?? dueTicksDefaults.maxTicks;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new RangeError(`dueTicks: latenessToleranceSeconds must be ≥ 0, got ${toleranceSeconds}`);
  }
  if (!Number.isInteger(maxTicks) || maxTicks < 1) {
    throw new RangeError(`dueTicks: maxTicks must be a whole number ≥ 1, got ${maxTicks}`);
  }

  const result: DueTicks = { fire: [], missed: [], truncated: undefined };
  // A clock that went backwards (another worker's, or NTP) has nothing new to decide.
  if (lastEvaluatedAt === undefined || now.getTime() <= lastEvaluatedAt.getTime()) return result;

  // Newest first, so the cap drops the oldest ticks: those are past the grace period anyway.
  const newestFirst: Date[] = [];
  const includeNow = new Date(now.getTime() + 1);
  for (const tick of walkTicks(cronsOf(schedule), includeNow, backward, -1)) {
    if (tick.getTime() <= lastEvaluatedAt.getTime()) break;
    const oldestListed = newestFirst.at(-1);
    if (newestFirst.length === maxTicks && oldestListed !== undefined) {
      result.truncated = { after: lastEvaluatedAt, before: oldestListed };
      break;
    }
    newestFirst.push(tick);
  }

  const toleranceMs = toleranceSeconds * 1000;
  const graceMs = schedule.misfireGraceSeconds * 1000;
  const onTime: Date[] = [];
  const late: Date[] = [];
  for (const tick of newestFirst.reverse()) {
    const lateness = now.getTime() - tick.getTime();
    if (lateness <= toleranceMs) onTime.push(tick);
    else if (lateness > graceMs) result.missed.push({ at: tick, reason: MissedReason.graceExceeded });
    else late.push(tick);
  }

  // Grace-exceeded ticks are older than every late tick, so pushing in this order keeps `missed` sorted.
  switch (schedule.misfire) {
    case MisfirePolicy.skip:
      for (const at of late) result.missed.push({ at, reason: MissedReason.skipped });
      break;
    case MisfirePolicy.once: {
      const latest = late.pop();
      for (const at of late) result.missed.push({ at, reason: MissedReason.coalesced });
      if (latest !== undefined) result.fire.push(latest);
      break;
    }
    case MisfirePolicy.all:
      result.fire.push(...late);
      break;
  }
  result.fire.push(...onTime);
  return result;
}

const localFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A tick as wall-clock time in a zone, ISO 8601 with its offset (`2025-03-30T03:00:00+02:00`):
 * how a next run time is shown next to the schedule.
 */
export function formatLocalTime(at: Date, timezone: string): string {
  let format = localFormats.get(timezone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    localFormats.set(timezone, format);
  }
  const part: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const { type, value } of format.formatToParts(at)) part[type] = value;
  // longOffset reads "GMT+02:00", or plain "GMT" at offset zero.
  const offset = (part.timeZoneName ?? 'GMT').replace(/^GMT/, '') || '+00:00';
  return `${part.year}-${part.month}-${part.day}T${part.hour}:${part.minute}:${part.second}${offset}`;
}

// Time partition windows in an IANA zone: the calendar grid, its keys, clipping and DST-aware zone math.
import { UsageError } from './errors.ts';

export const PartitionEvery = {
  hourly: 'hourly',
  daily: 'daily',
  weekly: 'weekly',
  monthly: 'monthly',
} as const;
export type PartitionEvery = (typeof PartitionEvery)[keyof typeof PartitionEvery];

/** Enumerations above this many partitions are refused: a typo in a range should not plan a million runs. */
export const MAX_PARTITIONS = 100_000;

/** A time dimension after validation: boundaries are instants. */
export interface TimeWindowSpec {
  readonly every: PartitionEvery;
  readonly timezone: string;
  /** First instant covered. */
  readonly start: Date;
  /** First instant no longer covered; `undefined` for an open range. */
  readonly end: Date | undefined;
}

/**
 * One time partition: a cell of the calendar grid clipped to the spec's `[start, end)`.
 * `key` always names the grid cell, so a clipped week keeps its `2025-W03` key.
 */
export interface TimeWindow {
  readonly key: string;
  /** Inclusive instant. */
  readonly start: Date;
  /** Exclusive instant. */
  readonly end: Date;
  /** Local date of `start` in the zone, `YYYY-MM-DD`. */
  readonly startDate: string;
  /** Last local date the window covers (inclusive), `YYYY-MM-DD`. */
  readonly endDate: string;
}

export interface LocalDate {
  readonly year: number;
  /** 1–12 */
  readonly month: number;
  readonly day: number;
}

export interface LocalDateTime extends LocalDate {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
// Longest a cell can last, DST included (a zone may shift by up to an hour).
const LONGEST_CELL_MS = {
  hourly: 2 * HOUR_MS,
  daily: DAY_MS + 2 * HOUR_MS,
  weekly: 7 * DAY_MS + 2 * HOUR_MS,
  monthly: 31 * DAY_MS + 2 * HOUR_MS,
} as const satisfies Record<PartitionEvery, number>;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** The wall-clock reading of an instant (epoch ms) in a zone. */
export function localDateTimeOf(instantMs: number, timezone: string): LocalDateTime {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timezone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 0,
    month: fields.month ?? 0,
    day: fields.day ?? 0,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

function asUtcMs(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
}

/** Local time minus UTC at an instant, in ms (Paris in winter: 3,600,000). */
export function offsetAt(instantMs: number, timezone: string): number {
  const second = Math.floor(instantMs / 1000) * 1000;
  return asUtcMs(localDateTimeOf(second, timezone)) - second;
}

/**
 * The instant a wall-clock time happens in a zone. A repeated time (autumn) resolves to its
 * first occurrence; a skipped time (spring) to the instant the clocks jumped past it.
 */
export function instantOfLocal(local: LocalDateTime, timezone: string): number {
  const wall = asUtcMs(local);
  // Offsets either side of any single transition; one of them is right unless `local` is in a gap.
  const before = offsetAt(wall - DAY_MS, timezone);
  const after = offsetAt(wall + DAY_MS, timezone);
  const valid = [wall - before, wall - after].filter((t) => offsetAt(t, timezone) === wall - t);
  if (valid.length > 0) return Math.min(...valid);
  return wall - before;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/** 1 = Monday … 7 = Sunday */
function isoWeekday(date: LocalDate): number {
  return ((new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7) + 1;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

export function formatLocalDate(date: LocalDate): string {
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

function formatOffset(offsetMs: number): string {
  const minutes = Math.abs(offsetMs) / 60_000;
  return `${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

function startOfDay(date: LocalDate, timezone: string): number {
  return instantOfLocal({ ...date, hour: 0, minute: 0, second: 0 }, timezone);
}

/** Start of the grid cell containing an instant. */
function cellStart(every: PartitionEvery, timezone: string, instantMs: number): number {
  const local = localDateTimeOf(instantMs, timezone);
  switch (every) {
    case PartitionEvery.hourly: {
      // Subtracting the wall-clock minutes keeps the right occurrence of a repeated hour.
      const millis = ((instantMs % 1000) + 1000) % 1000;
      return instantMs - (local.minute * 60 + local.second) * 1000 - millis;
    }
    case PartitionEvery.daily:
      return startOfDay(local, timezone);
    case PartitionEvery.weekly:
      return startOfDay(addDays(local, 1 - isoWeekday(local)), timezone);
    case PartitionEvery.monthly:
      return startOfDay({ year: local.year, month: local.month, day: 1 }, timezone);
  }
}

/** Start of the grid cell after the one starting at `cellStartMs`. */
function nextCellStart(every: PartitionEvery, timezone: string, cellStartMs: number): number {
  if (every === PartitionEvery.hourly) {
    const next = cellStart(every, timezone, cellStartMs + HOUR_MS);
    return next > cellStartMs ? next : cellStartMs + HOUR_MS;
  }
  const local = localDateTimeOf(cellStartMs, timezone);
  if (every === PartitionEvery.daily) return startOfDay(addDays(local, 1), timezone);
  if (every === PartitionEvery.weekly) return startOfDay(addDays(local, 7), timezone);
  const month =
    local.month === 12 ? { year: local.year + 1, month: 1 } : { ...local, month: local.month + 1 };
  return startOfDay({ year: month.year, month: month.month, day: 1 }, timezone);
}

function isoWeekKey(monday: LocalDate): string {
  // The ISO week belongs to the year of its Thursday.
  const thursday = addDays(monday, 3);
  const dayOfYear =
    (Date.UTC(thursday.year, thursday.month - 1, thursday.day) - Date.UTC(thursday.year, 0, 1)) / DAY_MS;
  return `${pad(thursday.year, 4)}-W${pad(Math.floor(dayOfYear / 7) + 1)}`;
}

function cellKey(every: PartitionEvery, timezone: string, cellStartMs: number): string {
  const local = localDateTimeOf(cellStartMs, timezone);
  switch (every) {
    case PartitionEvery.hourly: {
      const key = `${formatLocalDate(local)}T${pad(local.hour)}`;
      const hourBefore = localDateTimeOf(cellStartMs - HOUR_MS, timezone);
      const repeated =
        formatLocalDate(hourBefore) === formatLocalDate(local) && hourBefore.hour === local.hour;
      // The second run of a repeated autumn hour carries its offset; the suffix keeps it after the first.
      return repeated ? `${key}${formatOffset(offsetAt(cellStartMs, timezone))}` : key;
    }
    case PartitionEvery.daily:
      return formatLocalDate(local);
    case PartitionEvery.weekly:
      return isoWeekKey(local);
    case PartitionEvery.monthly:
      return `${pad(local.year, 4)}-${pad(local.month)}`;
  }
}

/** The grid cell starting at `cellStartMs`, clipped to the spec's range; undefined when nothing is left. */
function clippedWindow(spec: TimeWindowSpec, cellStartMs: number): TimeWindow | undefined {
  const cellEndMs = nextCellStart(spec.every, spec.timezone, cellStartMs);
  const start = Math.max(cellStartMs, spec.start.getTime());
  const end = spec.end === undefined ? cellEndMs : Math.min(cellEndMs, spec.end.getTime());
  if (start >= end) return undefined;
  return {
    key: cellKey(spec.every, spec.timezone, cellStartMs),
    start: new Date(start),
    end: new Date(end),
    startDate: formatLocalDate(localDateTimeOf(start, spec.timezone)),
    endDate: formatLocalDate(localDateTimeOf(end - 1, spec.timezone)),
  };
}

/**
 * The windows overlapping `[from, to)`, oldest first. Throws a UsageError past `limit`
 * windows, so callers narrow the range instead of planning an accident.
 */
export function enumerateWindows(
  spec: TimeWindowSpec,
  from: Date,
  to: Date,
  limit: number = MAX_PARTITIONS,
): TimeWindow[] {
  const lower = Math.max(from.getTime(), spec.start.getTime());
  const upper = spec.end === undefined ? to.getTime() : Math.min(to.getTime(), spec.end.getTime());
  const windows: TimeWindow[] = [];
  if (lower >= upper) return windows;
  const tooMany = () =>
    new UsageError(
      `more than ${limit} ${spec.every} partitions between ${from.toISOString()} and ${to.toISOString()}; narrow the range`,
    );
  // A cheap lower bound on the count refuses a huge range before the zone math walks it.
  if ((upper - lower) / LONGEST_CELL_MS[spec.every] > limit + 1) throw tooMany();
  for (let cell = cellStart(spec.every, spec.timezone, lower); cell < upper; ) {
    const window = clippedWindow(spec, cell);
    if (window) {
      if (windows.length >= limit) throw tooMany();
      windows.push(window);
    }
    cell = nextCellStart(spec.every, spec.timezone, cell);
  }
  return windows;
}

/** The window an instant falls in; undefined outside the spec's range. */
export function windowContaining(spec: TimeWindowSpec, instant: Date): TimeWindow | undefined {
  const t = instant.getTime();
  if (t < spec.start.getTime() || (spec.end !== undefined && t >= spec.end.getTime())) return undefined;
  return clippedWindow(spec, cellStart(spec.every, spec.timezone, t));
}

/**
 * The grid cell just before the one containing `instant`, clipped: yesterday for a daily
 * spec at any time today. Undefined when that cell lies outside the range, so a schedule
 * targets the last window once after the end, then nothing.
 */
export function previousWindow(spec: TimeWindowSpec, instant: Date): TimeWindow | undefined {
  const current = cellStart(spec.every, spec.timezone, instant.getTime());
  return clippedWindow(spec, cellStart(spec.every, spec.timezone, current - 1));
}

const KEY_PATTERNS = {
  hourly: /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(?:([+-])(\d{2}):(\d{2}))?$/,
  daily: /^(\d{4})-(\d{2})-(\d{2})$/,
  weekly: /^(\d{4})-W(\d{2})$/,
  monthly: /^(\d{4})-(\d{2})$/,
} as const satisfies Record<PartitionEvery, RegExp>;

const KEY_EXAMPLES = {
  hourly: '2025-01-13T05',
  daily: '2025-01-13',
  weekly: '2025-W03',
  monthly: '2025-01',
} as const satisfies Record<PartitionEvery, string>;

/** An instant inside the cell a key names, before checking the key round-trips. */
function instantForKey(every: PartitionEvery, timezone: string, numbers: readonly number[]): number {
  const [year = 0, a = 1, b = 1, hour = 0] = numbers;
  if (every === PartitionEvery.weekly) {
    // ISO week 1 is the week holding 4 January.
    const jan4 = { year, month: 1, day: 4 };
    return startOfDay(addDays(jan4, 1 - isoWeekday(jan4) + (a - 1) * 7), timezone);
  }
  if (every === PartitionEvery.monthly) return startOfDay({ year, month: a, day: 1 }, timezone);
  return instantOfLocal({ year, month: a, day: b, hour, minute: 0, second: 0 }, timezone);
}

/** The window a key names (`2025-01-13`, `2025-W03`, …). Throws a UsageError if it names none. */
export function windowForKey(spec: TimeWindowSpec, key: string): TimeWindow {
  const match = KEY_PATTERNS[spec.every].exec(key);
  const invalid = (why: string) =>
    new UsageError(`"${key}" is not a ${spec.every} partition key${why} (e.g. ${KEY_EXAMPLES[spec.every]})`);
  if (!match) throw invalid('');
  const numbers = match.slice(1, 5).map(Number);
  let instant = instantForKey(spec.every, spec.timezone, numbers);
  const sign = match[5];
  if (sign !== undefined) {
    // An explicit offset picks one occurrence of a repeated hour.
    const [year = 0, month = 1, day = 1, hour = 0] = numbers;
    const offset = (Number(match[6]) * 60 + Number(match[7])) * 60_000 * (sign === '-' ? -1 : 1);
    instant = Date.UTC(year, month - 1, day, hour) - offset;
  }
  const cell = cellStart(spec.every, spec.timezone, instant);
  if (!Number.isFinite(cell) || cellKey(spec.every, spec.timezone, cell) !== key) {
    throw invalid(` in ${spec.timezone}`);
  }
  const window = clippedWindow(spec, cell);
  if (!window) throw new UsageError(`partition ${key} is outside the pipeline's range`);
  return window;
}

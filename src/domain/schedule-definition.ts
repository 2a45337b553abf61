// What a pipeline's schedule is: its declaration, its validation and the defaults it resolves to.
import { Cron, type CronOptions } from 'croner';
import { ConfigError } from './errors.ts';
import { assertKnownKeys, optionKeys } from './option-keys.ts';

/** What happens to ticks that came due while no process was evaluating the schedule. */
export const MisfirePolicy = {
  /** Fire nothing for missed ticks; only future ticks run. */
  skip: 'skip',
  /** Coalesce the missed ticks within the grace period into one run, for the latest of them. */
  once: 'once',
  /** Fire every missed tick within the grace period, oldest first. */
  all: 'all',
} as const;
export type MisfirePolicy = (typeof MisfirePolicy)[keyof typeof MisfirePolicy];

/** Where a resolved schedule's cron list came from, shown next to it so an override is never a surprise. */
export const ScheduleOrigin = {
  definition: 'definition',
  env: 'env',
} as const;
export type ScheduleOrigin = (typeof ScheduleOrigin)[keyof typeof ScheduleOrigin];

export interface ScheduleDefinition {
  /** One 5-field cron expression, or a list whose ticks are merged. */
  cron: string | readonly string[];
  /** IANA zone the cron fields are read in. @defaultValue 'UTC' */
  timezone?: string;
  /** @defaultValue 'once' */
  misfire?: MisfirePolicy;
  /** Ticks later than this are never fired, only recorded as missed. Seconds. @defaultValue 3600 */
  misfireGraceSeconds?: number;
}

export interface ResolvedSchedule {
  readonly pipeline: string;
  /** Normalised expressions (single spaces), never empty. */
  readonly cron: readonly string[];
  readonly timezone: string;
  readonly misfire: MisfirePolicy;
  readonly misfireGraceSeconds: number;
  readonly origin: ScheduleOrigin;
}

export const scheduleDefaults = {
  timezone: 'UTC',
  misfire: MisfirePolicy.once,
  // Covers a deploy or a restart; an outage longer than this should not flood upstreams on return.
  misfireGraceSeconds: 3600,
} as const satisfies Required<Omit<ScheduleDefinition, 'cron'>>;

/**
 * How croner reads our expressions. Five fields only (minute precision, like the pg-boss cron
 * underneath). `no-wildcard`: a time without `*` or a step (`30 2 * * *`, `30 2,14 * * *`) is a
 * fixed time, run once a day across DST changes; see docs/schedules.md for the table.
 */
const CRON_OPTIONS = {
  mode: '5-part',
  fixedTimeRule: 'no-wildcard',
  domAndDow: false,
} as const satisfies CronOptions;

// Any satisfiable 5-field pattern matches within 28 years of any date, so a fixed reference
// keeps validation pure and still catches patterns such as 30 February.
const NEVER_FIRES_REFERENCE = new Date(Date.UTC(2000, 0, 1));

const SCHEDULE_KEYS = optionKeys<ScheduleDefinition>({
  cron: true,
  timezone: true,
  misfire: true,
  misfireGraceSeconds: true,
});
const MISFIRE_VALUES: ReadonlySet<string> = new Set(Object.values(MisfirePolicy));

/** A croner instance for one validated expression; it has no callback, so it never starts a timer. */
export function compileCron(expression: string, timezone: string): Cron {
  return new Cron(expression, { ...CRON_OPTIONS, timezone });
}

/**
 * Validates a pipeline's `schedule` declaration and applies the defaults.
 * Throws a ConfigError naming the pipeline and the field.
 */
export function parseSchedule(pipelineName: string, input: unknown): ResolvedSchedule {
  const where = `pipeline "${pipelineName}": schedule`;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(
      `${where} must be an object such as { cron: '0 6 * * *', timezone: 'Europe/Paris' }, got ${describe(input)}`,
    );
  }
  const fields = input as Record<string, unknown>;
  assertKnownKeys(where, fields, SCHEDULE_KEYS);

  const timezone =
    fields.timezone === undefined
      ? scheduleDefaults.timezone
      : assertTimezone(`${where}.timezone`, fields.timezone);
  const cron = parseCronField(where, fields.cron, timezone);
  const misfire =
    fields.misfire === undefined ? scheduleDefaults.misfire : assertMisfire(where, fields.misfire);
  const misfireGraceSeconds =
    fields.misfireGraceSeconds === undefined
      ? scheduleDefaults.misfireGraceSeconds
      : assertGraceSeconds(where, fields.misfireGraceSeconds);

  return {
    pipeline: pipelineName,
    cron,
    timezone,
    misfire,
    misfireGraceSeconds,
    origin: ScheduleOrigin.definition,
  };
}

function parseCronField(where: string, value: unknown, timezone: string): string[] {
  if (typeof value === 'string') return [assertCronExpression(`${where}.cron`, value, timezone)];
  if (!Array.isArray(value)) {
    throw new ConfigError(
      `${where}.cron must be a cron expression or a list of them (e.g. '0 6 * * *'), got ${describe(value)}`,
    );
  }
  if (value.length === 0) throw new ConfigError(`${where}.cron must list at least one cron expression`);
  return value.map((item: unknown, index) => assertCronExpression(`${where}.cron[${index}]`, item, timezone));
}

/**
 * Checks one cron expression (and that it ever fires) in its timezone; returns it with single
 * spaces. `label` names the place it came from, for the error message.
 */
export function assertCronExpression(label: string, value: unknown, timezone: string): string {
  if (typeof value !== 'string') {
    throw new ConfigError(`${label} must be a cron expression string, got ${describe(value)}`);
  }
  const expression = value.trim().split(/\s+/).join(' ');
  const invalid = (why: string) =>
    new ConfigError(
      `${label} ${JSON.stringify(value)} is not a valid cron expression ` +
        `(minute hour day-of-month month day-of-week): ${why}`,
    );
  let cron: Cron;
  try {
    cron = compileCron(expression, timezone);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw invalid(message.replace(/^CronPattern: /, ''));
  }
  // croner reads a string with a colon as a one-off date; a schedule must repeat.
  if (cron.getOnce() !== null) throw invalid('it is a date, not a repeating pattern');
  if (cron.nextRun(NEVER_FIRES_REFERENCE) === null) throw invalid('it never matches a real date');
  return expression;
}

/** Checks an IANA zone name (`Europe/Paris`, `UTC`); fixed offsets such as `+01:00` are refused. */
export function assertTimezone(label: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError(
      `${label} must be an IANA time zone name such as 'Europe/Paris', got ${describe(value)}`,
    );
  }
  // Intl also accepts UTC offsets, which have no DST rules and no name; IANA names start with a letter.
  let valid = /^[A-Za-z]/.test(value);
  if (valid) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
    } catch {
      valid = false;
    }
  }
  if (!valid) {
    throw new ConfigError(
      `${label} "${value}" is not an IANA time zone name (e.g. 'UTC', 'Europe/Paris', 'America/New_York')`,
    );
  }
  return value;
}

function assertMisfire(where: string, value: unknown): MisfirePolicy {
  if (typeof value === 'string' && MISFIRE_VALUES.has(value)) return value as MisfirePolicy;
  throw new ConfigError(
    `${where}.misfire must be one of ${[...MISFIRE_VALUES].map((v) => `'${v}'`).join(', ')}, got ${describe(value)}`,
  );
}

function assertGraceSeconds(where: string, value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  throw new ConfigError(
    `${where}.misfireGraceSeconds must be a positive number of seconds, got ${describe(value)}`,
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

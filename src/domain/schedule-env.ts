// Schedule overrides from the environment: the scheduler switch and per-pipeline cron lists, from a passed-in env.
import { ConfigError } from './errors.ts';
import {
  assertCronExpression,
  assertTimezone,
  type ResolvedSchedule,
  ScheduleOrigin,
  scheduleDefaults,
} from './schedule-definition.ts';

/** Settings.overrides (a frozen copy of the environment) or a test's plain object; only read. */
export type EnvRecord = Readonly<Record<string, string | undefined>>;

export const SCHEDULER_ENABLED_ENV = 'SLUICE_SCHEDULER_ENABLED';
/**
 * Followed by the pipeline name in upper case. Pipeline names are lower-case identifiers, so the
 * mapping is one-to-one (`fx_rates` ↔ `SLUICE_SCHEDULE_FX_RATES`).
 */
export const SCHEDULE_ENV_PREFIX = 'SLUICE_SCHEDULE_';

const ITEM_SEPARATOR = ';';
const DISABLED_VALUE = 'off';
// Same spelling as cronie's CRON_TZ line, which people already write in crontabs.
const TIMEZONE_ITEM = /^(?:CRON_)?TZ=(.*)$/i;

const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['1', true],
  ['yes', true],
  ['on', true],
  ['false', false],
  ['0', false],
  ['no', false],
  ['off', false],
]);

export function scheduleEnvName(pipelineName: string): string {
  return `${SCHEDULE_ENV_PREFIX}${pipelineName.toUpperCase()}`;
}

/**
 * Whether this process evaluates schedules at all. Unset or empty means enabled; manual runs and
 * backfills are not affected.
 */
export function schedulerEnabled(env: EnvRecord): boolean {
  const raw = env[SCHEDULER_ENABLED_ENV]?.trim() ?? '';
  if (raw === '') return true;
  const value = BOOLEANS.get(raw.toLowerCase());
  if (value === undefined) {
    throw new ConfigError(
      `${SCHEDULER_ENABLED_ENV} must be true or false (also 1/0, yes/no, on/off), got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/**
 * The schedule after the pipeline's `SLUICE_SCHEDULE_<NAME>` override, if any:
 * - unset or empty: the declared schedule, unchanged;
 * - `off`: no schedule (the pipeline still runs manually and in backfills);
 * - `"<cron>;<cron>…"`, optionally with one `TZ=<zone>` item: replaces the cron list (and the
 *   zone); misfire policy and grace are kept, or defaulted when the code declares no schedule.
 * Throws a ConfigError naming the variable when the value cannot be used.
 */
export function applyScheduleEnv(
  pipelineName: string,
  schedule: ResolvedSchedule | undefined,
  env: EnvRecord,
): ResolvedSchedule | undefined {
  const name = scheduleEnvName(pipelineName);
  const raw = env[name]?.trim() ?? '';
  if (raw === '') return schedule;
  if (raw.toLowerCase() === DISABLED_VALUE) return undefined;

  const where = `${name}=${JSON.stringify(raw)} (schedule of pipeline "${pipelineName}")`;
  const items = raw
    .split(ITEM_SEPARATOR)
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const timezoneItems = items.flatMap((item) => TIMEZONE_ITEM.exec(item)?.[1]?.trim() ?? []);
  const cronItems = items.filter((item) => !TIMEZONE_ITEM.test(item));
  if (timezoneItems.length > 1) throw new ConfigError(`${where}: give at most one TZ= item`);
  if (cronItems.length === 0) {
    throw new ConfigError(
      `${where}: list at least one cron expression, separated by ";" (e.g. "0 6 * * *;30 18 * * *"), or "off"`,
    );
  }
  const overrideZone = timezoneItems[0];
  const timezone =
    overrideZone === undefined
      ? (schedule?.timezone ?? scheduleDefaults.timezone)
      : assertTimezone(`${where}: TZ=`, overrideZone);
  const cron = cronItems.map((item, index) =>
    assertCronExpression(`${where}: cron ${index + 1}`, item, timezone),
  );

  return {
    pipeline: pipelineName,
    cron,
    timezone,
    misfire: schedule?.misfire ?? scheduleDefaults.misfire,
    misfireGraceSeconds: schedule?.misfireGraceSeconds ?? scheduleDefaults.misfireGraceSeconds,
    origin: ScheduleOrigin.env,
  };
}

/**
 * `SLUICE_SCHEDULE_*` variables that name no pipeline: almost always a typo, which would
 * otherwise leave the declared schedule silently in force. The caller decides to warn or fail.
 */
export function unknownScheduleEnvNames(env: EnvRecord, pipelineNames: readonly string[]): string[] {
  const known = new Set(pipelineNames.map(scheduleEnvName));
  return Object.keys(env)
    .filter((key) => key.startsWith(SCHEDULE_ENV_PREFIX) && env[key] !== undefined && !known.has(key))
    .sort();
}

// Every environment variable sluice reads, parsed once into one frozen object; the only reader of process.env.
import { z } from 'zod';
import { ConfigError } from '../../domain/errors.ts';
import { assertIdentifier } from '../../domain/identifier.ts';
import { type RunLiveness, runLivenessFromEnv } from '../../domain/run-liveness.ts';
import type { ResolvedSchedule } from '../../domain/schedule-definition.ts';
import {
  applyScheduleEnv,
  type EnvRecord,
  SCHEDULE_ENV_PREFIX,
  schedulerEnabled,
  unknownScheduleEnvNames,
} from '../../domain/schedule-env.ts';
import type { Clock } from '../../engine/ports.ts';
import { clockFromSpec } from '../clock.ts';

export type { EnvRecord };

/** Prefixes of the variables whose names carry a pipeline or provider name, read by the domain's parsers. */
const OVERRIDE_PREFIXES = [SCHEDULE_ENV_PREFIX, 'SLUICE_SOURCE_', 'SLUICE_BREAKER_'] as const;

export interface Settings {
  /** DATABASE_URL; an empty value counts as unset (embedded PGlite). */
  readonly databaseUrl: string | undefined;
  /** SLUICE_DB_SCHEMA, default `public`. */
  readonly dbSchema: string;
  /** SLUICE_DATA_DIR; unset means `.sluice` beside the config. */
  readonly dataDir: string | undefined;
  /** LOG_LEVEL as given (the logger falls back to its own default, and to info for a non-level). */
  readonly logLevel: string | undefined;
  /** LOG_FORMAT=json forces JSON logs on a terminal too. */
  readonly logJson: boolean;
  /** System clock, or the shared accelerated clock of SLUICE_TEST_CLOCK. */
  readonly clock: Clock;
  readonly server: {
    /** SLUICE_PORT, default 8787. */
    readonly port: number;
    /** SLUICE_HOST, default 127.0.0.1. */
    readonly host: string;
    /** SLUICE_EVENT_RETENTION_H, default 24. */
    readonly eventRetentionHours: number;
  };
  readonly workers: {
    /** SLUICE_WORKER_CONCURRENCY, default 2. */
    readonly concurrency: number;
    /** SLUICE_BACKFILL_WORKERS; undefined means the backfill default. */
    readonly backfillWorkers: number | undefined;
    /** SLUICE_SCHEDULER_ENABLED, default true. */
    readonly schedulerEnabled: boolean;
    /** SLUICE_SCHEDULER_INTERVAL_MS, default 1000. */
    readonly schedulerIntervalMs: number;
    /** SLUICE_SHUTDOWN_GRACE_S, default 30. */
    readonly shutdownGraceSeconds: number;
    /** SLUICE_DB_UNREACHABLE_EXIT_S, default 60. */
    readonly unreachableExitSeconds: number;
    /** SLUICE_BACKFILL_INTERVAL_MS, default 1000. */
    readonly backfillIntervalMs: number;
    /** SLUICE_MAX_ACTIVE_BACKFILLS; undefined means the backfill default. */
    readonly maxActiveBackfills: number | undefined;
    /** SLUICE_PROGRESS_INTERVAL_MS, default 5000: progress lines of `sluice backfill` off a terminal. */
    readonly progressIntervalMs: number;
  };
  readonly freshness: {
    /** SLUICE_FRESHNESS_INTERVAL_S (default 30), in milliseconds. */
    readonly intervalMs: number;
    /** SLUICE_ALERT_WEBHOOK_URL. */
    readonly alertWebhookUrl: string | undefined;
  };
  /** SLUICE_RUN_HEARTBEAT_MS and SLUICE_RUN_STALE_MS. */
  readonly liveness: RunLiveness;
  /**
   * The per-pipeline and per-provider variables (SLUICE_SCHEDULE_<PIPELINE>, SLUICE_SOURCE_<NAME>_*,
   * SLUICE_BREAKER_*), a frozen copy for the domain's parsers: their names depend on the config.
   */
  readonly overrides: EnvRecord;
  /** The schedule after SLUICE_SCHEDULE_<PIPELINE>; a ConfigError naming the variable when unusable. */
  scheduleOf(pipeline: string, declared: ResolvedSchedule | undefined): ResolvedSchedule | undefined;
  /** SLUICE_SCHEDULE_* variables naming none of these pipelines (typos). */
  unknownScheduleVariables(pipelines: readonly string[]): string[];
}

/** Unset and empty both mean "use the default", as a shell `VAR=` line intends. */
function given(env: EnvRecord, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

function parsed<T>(env: EnvRecord, name: string, accepted: string, schema: z.ZodType<T>): T | undefined {
  const raw = given(env, name);
  if (raw === undefined) return undefined;
  const result = schema.safeParse(raw);
  if (!result.success) throw new ConfigError(`${name} must be ${accepted}, got ${JSON.stringify(raw)}`);
  return result.data;
}

// z.coerce.number() would take " " and "" as 0; the regex keeps to what a person means as a number.
const numeric = z
  .string()
  .trim()
  .regex(/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i)
  .transform(Number);

function wholeNumber(env: EnvRecord, name: string, min: number, unit: string): number | undefined {
  const schema = numeric.pipe(z.number().int().min(min));
  return parsed(env, name, `a whole number${unit} ≥ ${min}`, schema);
}

function decimal(
  env: EnvRecord,
  name: string,
  min: number,
  unit: string,
  exclusive = false,
): number | undefined {
  const schema = numeric.pipe(exclusive ? z.number().gt(min) : z.number().min(min));
  return parsed(env, name, `a number${unit} ${exclusive ? '>' : '≥'} ${min}`, schema);
}

const webhookUrl = z.string().refine((value) => URL.canParse(value));

/**
 * Parses the environment once. Throws a ConfigError (exit code 2) naming the variable, its value
 * and the accepted form. Reads `env` now and keeps nothing live: call it again to see a change.
 */
export function loadSettings(env: EnvRecord = process.env): Settings {
  // Unset means public; an empty value is refused by the identifier check like any other bad name.
  const schema = env.SLUICE_DB_SCHEMA;
  if (schema !== undefined) assertIdentifier(schema, 'SLUICE_DB_SCHEMA');
  const overrides = Object.freeze(
    Object.fromEntries(
      Object.entries(env).filter(([key]) => OVERRIDE_PREFIXES.some((prefix) => key.startsWith(prefix))),
    ),
  );
  const settings: Settings = {
    databaseUrl: given(env, 'DATABASE_URL'),
    dbSchema: schema ?? 'public',
    dataDir: given(env, 'SLUICE_DATA_DIR'),
    logLevel: env.LOG_LEVEL,
    logJson: env.LOG_FORMAT === 'json',
    clock: clockFromSpec(given(env, 'SLUICE_TEST_CLOCK')),
    server: Object.freeze({
      port:
        parsed(
          env,
          'SLUICE_PORT',
          'a port number 0..65535',
          numeric.pipe(z.number().int().min(0).max(65535)),
        ) ?? 8787,
      host: given(env, 'SLUICE_HOST') ?? '127.0.0.1',
      eventRetentionHours: decimal(env, 'SLUICE_EVENT_RETENTION_H', 0, ' of hours', true) ?? 24,
    }),
    workers: Object.freeze({
      concurrency: decimal(env, 'SLUICE_WORKER_CONCURRENCY', 1, '') ?? 2,
      backfillWorkers: decimal(env, 'SLUICE_BACKFILL_WORKERS', 0, ''),
      schedulerEnabled: schedulerEnabled(env),
      schedulerIntervalMs: decimal(env, 'SLUICE_SCHEDULER_INTERVAL_MS', 50, ' of milliseconds') ?? 1000,
      shutdownGraceSeconds: decimal(env, 'SLUICE_SHUTDOWN_GRACE_S', 0, ' of seconds') ?? 30,
      unreachableExitSeconds: decimal(env, 'SLUICE_DB_UNREACHABLE_EXIT_S', 1, ' of seconds') ?? 60,
      backfillIntervalMs: decimal(env, 'SLUICE_BACKFILL_INTERVAL_MS', 50, ' of milliseconds') ?? 1000,
      maxActiveBackfills: decimal(env, 'SLUICE_MAX_ACTIVE_BACKFILLS', 1, ''),
      progressIntervalMs: wholeNumber(env, 'SLUICE_PROGRESS_INTERVAL_MS', 1, ' of milliseconds') ?? 5000,
    }),
    freshness: Object.freeze({
      intervalMs: (decimal(env, 'SLUICE_FRESHNESS_INTERVAL_S', 0.05, ' of seconds') ?? 30) * 1000,
      alertWebhookUrl: parsed(
        env,
        'SLUICE_ALERT_WEBHOOK_URL',
        'a URL (e.g. https://hooks.example.com/sluice)',
        webhookUrl,
      ),
    }),
    liveness: Object.freeze(runLivenessFromEnv(env)),
    overrides,
    scheduleOf: (pipeline, declared) => applyScheduleEnv(pipeline, declared, overrides),
    unknownScheduleVariables: (pipelines) => unknownScheduleEnvNames(overrides, pipelines),
  };
  return Object.freeze(settings);
}

/**
 * The value of a `secret('NAME')` a source declared. Read at request time, by name, and never
 * copied into Settings: a rotated key is picked up by the next request, and the settings object
 * can be logged without leaking it.
 */
export function readSecret(name: string): string | undefined {
  return process.env[name];
}

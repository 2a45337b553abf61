import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../domain/errors.ts';
import { parseSchedule } from '../../domain/schedule-definition.ts';
import { systemClock } from '../../engine/ports.ts';
import { type EnvRecord, loadSettings, readSecret } from './settings.ts';

function assertRefused(env: EnvRecord, message: string | RegExp): void {
  assert.throws(
    () => loadSettings(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    },
  );
}

describe('loadSettings', () => {
  it('gives every default for an empty environment, frozen', () => {
    const settings = loadSettings({});
    assert.equal(settings.databaseUrl, undefined);
    assert.equal(settings.dbSchema, 'public');
    assert.equal(settings.dataDir, undefined);
    assert.equal(settings.logLevel, undefined);
    assert.equal(settings.logJson, false);
    assert.equal(settings.clock, systemClock);
    assert.deepEqual(settings.server, { port: 8787, host: '127.0.0.1', eventRetentionHours: 24 });
    assert.deepEqual(settings.workers, {
      concurrency: 2,
      backfillWorkers: undefined,
      schedulerEnabled: true,
      schedulerIntervalMs: 1000,
      shutdownGraceSeconds: 30,
      unreachableExitSeconds: 60,
      backfillIntervalMs: 1000,
      maxActiveBackfills: undefined,
      progressIntervalMs: 5000,
    });
    assert.deepEqual(settings.freshness, { intervalMs: 30_000, alertWebhookUrl: undefined });
    assert.deepEqual(settings.liveness, { heartbeatMs: 10_000, staleMs: 60_000 });
    assert.deepEqual(settings.overrides, {});
    for (const part of [settings, settings.server, settings.workers, settings.freshness, settings.liveness]) {
      assert.ok(Object.isFrozen(part));
    }
  });

  it('treats an empty value as unset', () => {
    const settings = loadSettings({ DATABASE_URL: '', SLUICE_PORT: '', SLUICE_WORKER_CONCURRENCY: '' });
    assert.equal(settings.databaseUrl, undefined);
    assert.equal(settings.server.port, 8787);
    assert.equal(settings.workers.concurrency, 2);
  });

  it('reads good values', () => {
    const settings = loadSettings({
      DATABASE_URL: 'postgres://localhost/sluice',
      SLUICE_DB_SCHEMA: 'analytics',
      SLUICE_DATA_DIR: '/var/lib/sluice',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      SLUICE_PORT: '0',
      SLUICE_HOST: '0.0.0.0',
      SLUICE_EVENT_RETENTION_H: '1.5',
      SLUICE_WORKER_CONCURRENCY: '4',
      SLUICE_BACKFILL_WORKERS: '0',
      SLUICE_SCHEDULER_ENABLED: 'off',
      SLUICE_SCHEDULER_INTERVAL_MS: '50',
      SLUICE_SHUTDOWN_GRACE_S: '0',
      SLUICE_DB_UNREACHABLE_EXIT_S: '5',
      SLUICE_BACKFILL_INTERVAL_MS: '200',
      SLUICE_MAX_ACTIVE_BACKFILLS: '3',
      SLUICE_PROGRESS_INTERVAL_MS: '100',
      SLUICE_FRESHNESS_INTERVAL_S: '0.5',
      SLUICE_ALERT_WEBHOOK_URL: 'https://hooks.example.com/sluice',
      SLUICE_RUN_HEARTBEAT_MS: '100',
      SLUICE_RUN_STALE_MS: '250',
    });
    assert.equal(settings.databaseUrl, 'postgres://localhost/sluice');
    assert.equal(settings.dbSchema, 'analytics');
    assert.equal(settings.dataDir, '/var/lib/sluice');
    assert.equal(settings.logLevel, 'debug');
    assert.equal(settings.logJson, true);
    assert.deepEqual(settings.server, { port: 0, host: '0.0.0.0', eventRetentionHours: 1.5 });
    assert.deepEqual(settings.workers, {
      concurrency: 4,
      backfillWorkers: 0,
      schedulerEnabled: false,
      schedulerIntervalMs: 50,
      shutdownGraceSeconds: 0,
      unreachableExitSeconds: 5,
      backfillIntervalMs: 200,
      maxActiveBackfills: 3,
      progressIntervalMs: 100,
    });
    assert.deepEqual(settings.freshness, {
      intervalMs: 500,
      alertWebhookUrl: 'https://hooks.example.com/sluice',
    });
    assert.deepEqual(settings.liveness, { heartbeatMs: 100, staleMs: 250 });
  });

  it('derives the stale time from a long heartbeat', () => {
    assert.deepEqual(loadSettings({ SLUICE_RUN_HEARTBEAT_MS: '30000' }).liveness, {
      heartbeatMs: 30_000,
      staleMs: 90_000,
    });
  });

  const refusals: Array<[string, string, string | RegExp]> = [
    ['SLUICE_PORT', '80a', 'SLUICE_PORT must be a port number 0..65535, got "80a"'],
    ['SLUICE_PORT', '65536', 'SLUICE_PORT must be a port number 0..65535, got "65536"'],
    ['SLUICE_EVENT_RETENTION_H', '0', 'SLUICE_EVENT_RETENTION_H must be a number of hours > 0, got "0"'],
    ['SLUICE_WORKER_CONCURRENCY', 'two', 'SLUICE_WORKER_CONCURRENCY must be a number ≥ 1, got "two"'],
    ['SLUICE_BACKFILL_WORKERS', '-1', 'SLUICE_BACKFILL_WORKERS must be a number ≥ 0, got "-1"'],
    [
      'SLUICE_SCHEDULER_ENABLED',
      'maybe',
      'SLUICE_SCHEDULER_ENABLED must be true or false (also 1/0, yes/no, on/off), got "maybe"',
    ],
    [
      'SLUICE_SCHEDULER_INTERVAL_MS',
      '10',
      'SLUICE_SCHEDULER_INTERVAL_MS must be a number of milliseconds ≥ 50, got "10"',
    ],
    [
      'SLUICE_SHUTDOWN_GRACE_S',
      'soon',
      'SLUICE_SHUTDOWN_GRACE_S must be a number of seconds ≥ 0, got "soon"',
    ],
    [
      'SLUICE_DB_UNREACHABLE_EXIT_S',
      '0',
      'SLUICE_DB_UNREACHABLE_EXIT_S must be a number of seconds ≥ 1, got "0"',
    ],
    [
      'SLUICE_BACKFILL_INTERVAL_MS',
      ' ',
      'SLUICE_BACKFILL_INTERVAL_MS must be a number of milliseconds ≥ 50, got " "',
    ],
    ['SLUICE_MAX_ACTIVE_BACKFILLS', '0', 'SLUICE_MAX_ACTIVE_BACKFILLS must be a number ≥ 1, got "0"'],
    [
      'SLUICE_PROGRESS_INTERVAL_MS',
      '1.5',
      'SLUICE_PROGRESS_INTERVAL_MS must be a whole number of milliseconds ≥ 1, got "1.5"',
    ],
    [
      'SLUICE_FRESHNESS_INTERVAL_S',
      '0.01',
      'SLUICE_FRESHNESS_INTERVAL_S must be a number of seconds ≥ 0.05, got "0.01"',
    ],
    [
      'SLUICE_ALERT_WEBHOOK_URL',
      'hooks.example.com',
      'SLUICE_ALERT_WEBHOOK_URL must be a URL (e.g. https://hooks.example.com/sluice), got "hooks.example.com"',
    ],
    [
      'SLUICE_RUN_HEARTBEAT_MS',
      'ten',
      'SLUICE_RUN_HEARTBEAT_MS must be a whole number of milliseconds ≥ 50, got "ten"',
    ],
    [
      'SLUICE_RUN_STALE_MS',
      '10',
      'SLUICE_RUN_STALE_MS must be a whole number of milliseconds ≥ 50, got "10"',
    ],
    ['SLUICE_DB_SCHEMA', 'Analytics-Prod', /^SLUICE_DB_SCHEMA "Analytics-Prod" is not a valid name/],
    ['SLUICE_DB_SCHEMA', '', /^SLUICE_DB_SCHEMA "" is not a valid name/],
    ['SLUICE_TEST_CLOCK', 'soon', /^SLUICE_TEST_CLOCK must be JSON/],
    ['SLUICE_TEST_CLOCK', '{"speed":0}', /^SLUICE_TEST_CLOCK needs a valid virtualStart/],
  ];
  for (const [name, value, message] of refusals) {
    it(`refuses ${name}=${JSON.stringify(value)}, naming the variable, the value and the accepted form`, () => {
      assertRefused({ [name]: value }, message);
    });
  }

  it('refuses a stale time shorter than two heartbeats', () => {
    assertRefused(
      { SLUICE_RUN_HEARTBEAT_MS: '1000', SLUICE_RUN_STALE_MS: '1500' },
      /^SLUICE_RUN_STALE_MS \(1500\) must be at least twice SLUICE_RUN_HEARTBEAT_MS \(1000\)/,
    );
  });

  it('runs the accelerated test clock', () => {
    const realStart = Date.now();
    const spec = { virtualStart: '2026-01-05T00:00:00Z', realStart, speed: 60 };
    const { clock } = loadSettings({ SLUICE_TEST_CLOCK: JSON.stringify(spec) });
    const now = clock.now().getTime();
    assert.ok(now >= Date.parse(spec.virtualStart));
    assert.ok(now - Date.parse(spec.virtualStart) < (Date.now() - realStart + 1000) * 60);
  });

  it('keeps the per-pipeline and per-provider variables, and only those, as overrides', () => {
    const settings = loadSettings({
      SLUICE_SCHEDULE_FX: '0 16 * * 1-5',
      SLUICE_SCHEDULE_GONE: 'off',
      SLUICE_SOURCE_API_X_DEV_TIMEOUT_MS: '5000',
      SLUICE_BREAKER_THRESHOLD: '3',
      SLUICE_PORT: '9000',
      HOME: '/root',
    });
    assert.deepEqual(settings.overrides, {
      SLUICE_SCHEDULE_FX: '0 16 * * 1-5',
      SLUICE_SCHEDULE_GONE: 'off',
      SLUICE_SOURCE_API_X_DEV_TIMEOUT_MS: '5000',
      SLUICE_BREAKER_THRESHOLD: '3',
    });
    assert.ok(Object.isFrozen(settings.overrides));
    assert.deepEqual(settings.scheduleOf('fx', undefined)?.cron, ['0 16 * * 1-5']);
    const declared = parseSchedule('rates', { cron: ['0 6 * * *'] });
    assert.equal(settings.scheduleOf('rates', declared), declared);
    assert.deepEqual(settings.unknownScheduleVariables(['fx']), ['SLUICE_SCHEDULE_GONE']);
  });

  it('names the schedule variable when an override cannot be used', () => {
    const settings = loadSettings({ SLUICE_SCHEDULE_FX: '61 * * * *' });
    assert.throws(() => settings.scheduleOf('fx', undefined), /SLUICE_SCHEDULE_FX="61 \* \* \* \*"/);
  });

  it('reads the environment given, now, and keeps nothing live', () => {
    const env: Record<string, string | undefined> = { SLUICE_PORT: '9000' };
    const settings = loadSettings(env);
    env.SLUICE_PORT = '9001';
    assert.equal(settings.server.port, 9000);
    assert.equal(loadSettings(env).server.port, 9001);
  });
});

describe('readSecret', () => {
  it('reads a secret by name at the time of the call', () => {
    const name = 'SLUICE_SETTINGS_TEST_SECRET';
    assert.equal(readSecret(name), undefined);
    process.env[name] = 'hunter2';
    try {
      assert.equal(readSecret(name), 'hunter2');
    } finally {
      delete process.env[name];
    }
  });
});

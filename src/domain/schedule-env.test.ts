import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './errors.ts';
import { parseSchedule } from './schedule-definition.ts';
import {
  applyScheduleEnv,
  type EnvRecord,
  scheduleEnvName,
  schedulerEnabled,
  unknownScheduleEnvNames,
} from './schedule-env.ts';
import { nextTicks } from './schedule-ticks.ts';

const market = parseSchedule('market_data', {
  cron: ['30 7 * * *', '0 14,20 * * *'],
  timezone: 'Europe/Paris',
  misfire: 'all',
  misfireGraceSeconds: 900,
});

function assertConfigError(run: () => unknown, message: RegExp | string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

describe('schedulerEnabled', () => {
  it('is on unless SLUICE_SCHEDULER_ENABLED says otherwise', () => {
    assert.equal(schedulerEnabled({}), true);
    assert.equal(schedulerEnabled({ SLUICE_SCHEDULER_ENABLED: '' }), true);
    assert.equal(schedulerEnabled({ SLUICE_SCHEDULER_ENABLED: undefined }), true);
    for (const value of ['true', 'TRUE', '1', 'yes', 'on', ' true ']) {
      assert.equal(schedulerEnabled({ SLUICE_SCHEDULER_ENABLED: value }), true, value);
    }
    for (const value of ['false', 'False', '0', 'no', 'off', 'OFF']) {
      assert.equal(schedulerEnabled({ SLUICE_SCHEDULER_ENABLED: value }), false, value);
    }
  });

  it('names the variable when its value is not a boolean', () => {
    assertConfigError(
      () => schedulerEnabled({ SLUICE_SCHEDULER_ENABLED: 'maybe' }),
      'SLUICE_SCHEDULER_ENABLED must be true or false (also 1/0, yes/no, on/off), got "maybe"',
    );
  });
});

describe('applyScheduleEnv', () => {
  it('names the variable after the pipeline in upper case', () => {
    assert.equal(scheduleEnvName('market_data'), 'SLUICE_SCHEDULE_MARKET_DATA');
    assert.equal(scheduleEnvName('fx2'), 'SLUICE_SCHEDULE_FX2');
  });

  it('keeps the declared schedule when the variable is unset or empty', () => {
    assert.equal(applyScheduleEnv('market_data', market, {}), market);
    assert.equal(applyScheduleEnv('market_data', market, { SLUICE_SCHEDULE_MARKET_DATA: '  ' }), market);
    assert.equal(
      applyScheduleEnv('market_data', undefined, { SLUICE_SCHEDULE_OTHER: '0 6 * * *' }),
      undefined,
    );
  });

  it('replaces the cron list and keeps zone, policy and grace', () => {
    const env: EnvRecord = { SLUICE_SCHEDULE_MARKET_DATA: '0 6 * * *; 30 18 * * *;' };
    assert.deepEqual(applyScheduleEnv('market_data', market, env), {
      pipeline: 'market_data',
      cron: ['0 6 * * *', '30 18 * * *'],
      timezone: 'Europe/Paris',
      misfire: 'all',
      misfireGraceSeconds: 900,
      origin: 'env',
    });
  });

  it('gives the overridden next run times', () => {
    const schedule = applyScheduleEnv('market_data', market, {
      SLUICE_SCHEDULE_MARKET_DATA: '0 6 * * *;30 18 * * *',
    });
    assert.ok(schedule);
    assert.deepEqual(
      nextTicks(schedule, new Date('2025-01-15T00:00:00Z'), 3).map((tick) => tick.toISOString()),
      ['2025-01-15T05:00:00.000Z', '2025-01-15T17:30:00.000Z', '2025-01-16T05:00:00.000Z'],
    );
  });

  it('can change the zone with a TZ= (or CRON_TZ=) item', () => {
    const utc = applyScheduleEnv('market_data', market, { SLUICE_SCHEDULE_MARKET_DATA: 'TZ=UTC;0 6 * * *' });
    assert.equal(utc?.timezone, 'UTC');
    assert.deepEqual(utc?.cron, ['0 6 * * *']);
    const ny = applyScheduleEnv('market_data', market, {
      SLUICE_SCHEDULE_MARKET_DATA: '0 9 * * MON-FRI;CRON_TZ=America/New_York',
    });
    assert.equal(ny?.timezone, 'America/New_York');
  });

  it('schedules a pipeline that declares no schedule, with the defaults', () => {
    assert.deepEqual(applyScheduleEnv('fx', undefined, { SLUICE_SCHEDULE_FX: '0 16 * * 1-5' }), {
      pipeline: 'fx',
      cron: ['0 16 * * 1-5'],
      timezone: 'UTC',
      misfire: 'once',
      misfireGraceSeconds: 3600,
      origin: 'env',
    });
  });

  it('turns the pipeline schedule off with "off"', () => {
    assert.equal(applyScheduleEnv('market_data', market, { SLUICE_SCHEDULE_MARKET_DATA: 'off' }), undefined);
    assert.equal(
      applyScheduleEnv('market_data', market, { SLUICE_SCHEDULE_MARKET_DATA: ' OFF ' }),
      undefined,
    );
  });

  it('names the variable, its value and the item of an invalid cron expression', () => {
    assertConfigError(
      () => applyScheduleEnv('fx', undefined, { SLUICE_SCHEDULE_FX: '0 6 * * *;61 * * * *' }),
      'SLUICE_SCHEDULE_FX="0 6 * * *;61 * * * *" (schedule of pipeline "fx"): cron 2 "61 * * * *" ' +
        'is not a valid cron expression (minute hour day-of-month month day-of-week): Invalid value for minute: 61',
    );
    assertConfigError(
      () => applyScheduleEnv('fx', undefined, { SLUICE_SCHEDULE_FX: '0 6 * * *,30 18 * * *' }),
      /^SLUICE_SCHEDULE_FX=.*: cron 1 "0 6 \* \* \*,30 18 \* \* \*" is not a valid cron expression/,
    );
  });

  it('refuses a value without a cron expression', () => {
    assertConfigError(
      () => applyScheduleEnv('fx', undefined, { SLUICE_SCHEDULE_FX: ' ; ;' }),
      'SLUICE_SCHEDULE_FX="; ;" (schedule of pipeline "fx"): list at least one cron expression, ' +
        'separated by ";" (e.g. "0 6 * * *;30 18 * * *"), or "off"',
    );
    assertConfigError(
      () => applyScheduleEnv('fx', undefined, { SLUICE_SCHEDULE_FX: 'TZ=Europe/Paris' }),
      /^SLUICE_SCHEDULE_FX="TZ=Europe\/Paris" .*: list at least one cron expression/,
    );
  });

  it('refuses an invalid or repeated TZ= item', () => {
    assertConfigError(
      () => applyScheduleEnv('fx', undefined, { SLUICE_SCHEDULE_FX: 'TZ=Mars/Olympus;0 6 * * *' }),
      /^SLUICE_SCHEDULE_FX="TZ=Mars\/Olympus;0 6 \* \* \*" \(schedule of pipeline "fx"\): TZ= "Mars\/Olympus" is not an IANA time zone name/,
    );
    assertConfigError(
      () => applyScheduleEnv('fx', undefined, { SLUICE_SCHEDULE_FX: 'TZ=;0 6 * * *' }),
      /^SLUICE_SCHEDULE_FX=.*: TZ= must be an IANA time zone name/,
    );
    assertConfigError(
      () => applyScheduleEnv('fx', undefined, { SLUICE_SCHEDULE_FX: 'TZ=UTC;TZ=Europe/Paris;0 6 * * *' }),
      /^SLUICE_SCHEDULE_FX=.*: give at most one TZ= item$/,
    );
  });
});

describe('unknownScheduleEnvNames', () => {
  it('lists SLUICE_SCHEDULE_* variables that name no pipeline', () => {
    const env: EnvRecord = {
      SLUICE_SCHEDULE_MARKET_DATA: '0 6 * * *',
      SLUICE_SCHEDULE_MARKETDATA: '0 6 * * *',
      SLUICE_SCHEDULE_FOREACSTS: 'off',
      SLUICE_SCHEDULE_GONE: undefined,
      SLUICE_SCHEDULER_ENABLED: 'false',
      PATH: '/usr/bin',
    };
    assert.deepEqual(unknownScheduleEnvNames(env, ['market_data', 'forecasts']), [
      'SLUICE_SCHEDULE_FOREACSTS',
      'SLUICE_SCHEDULE_MARKETDATA',
    ]);
  });
});

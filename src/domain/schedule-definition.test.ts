import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './errors.ts';
import { parseSchedule, type ResolvedSchedule } from './schedule-definition.ts';

function assertConfigError(input: unknown, message: RegExp | string, pipeline = 'fx'): void {
  assert.throws(
    () => parseSchedule(pipeline, input),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    },
  );
}

describe('parseSchedule', () => {
  it('applies the defaults: UTC, misfire once, one hour of grace', () => {
    const expected: ResolvedSchedule = {
      pipeline: 'forecasts',
      cron: ['0 0,6,12,18 * * *'],
      timezone: 'UTC',
      misfire: 'once',
      misfireGraceSeconds: 3600,
      origin: 'definition',
    };
    assert.deepEqual(parseSchedule('forecasts', { cron: '0 0,6,12,18 * * *' }), expected);
  });

  it('keeps a cron list, a zone, a policy and a grace period as declared', () => {
    const schedule = parseSchedule('market', {
      cron: ['30 7 * * *', '0 14,20 * * *'],
      timezone: 'Europe/Paris',
      misfire: 'all',
      misfireGraceSeconds: 600,
    });
    assert.deepEqual(schedule.cron, ['30 7 * * *', '0 14,20 * * *']);
    assert.equal(schedule.timezone, 'Europe/Paris');
    assert.equal(schedule.misfire, 'all');
    assert.equal(schedule.misfireGraceSeconds, 600);
  });

  it('normalises spaces and accepts nicknames, names and IANA aliases', () => {
    assert.deepEqual(parseSchedule('obs', { cron: '  0   8-18/2 * *  * ' }).cron, ['0 8-18/2 * * *']);
    assert.deepEqual(parseSchedule('obs', { cron: '@daily' }).cron, ['@daily']);
    assert.deepEqual(parseSchedule('obs', { cron: '0 6 * JAN-MAR MON-FRI' }).cron, ['0 6 * JAN-MAR MON-FRI']);
    for (const timezone of ['UTC', 'Etc/UTC', 'America/New_York', 'US/Eastern', 'Australia/Lord_Howe']) {
      assert.equal(parseSchedule('obs', { cron: '0 6 * * *', timezone }).timezone, timezone);
    }
  });

  it('refuses a schedule that is not an object', () => {
    assertConfigError(null, /^pipeline "fx": schedule must be an object .*, got null$/);
    assertConfigError('0 6 * * *', /^pipeline "fx": schedule must be an object .*, got "0 6 \* \* \*"$/);
    assertConfigError(['0 6 * * *'], /^pipeline "fx": schedule must be an object .*, got an array$/);
  });

  it('refuses unknown fields, so a typo does not silently fall back to a default', () => {
    assertConfigError(
      { cron: '0 6 * * *', timeZone: 'Europe/Paris' },
      'pipeline "fx": schedule: unknown option "timeZone" (did you mean "timezone"?)',
    );
    assertConfigError(
      { cron: '0 6 * * *', misfireGraceSecs: 60 },
      'pipeline "fx": schedule: unknown option "misfireGraceSecs" (did you mean "misfireGraceSeconds"?)',
    );
    assertConfigError(
      { cron: '0 6 * * *', every: 'day' },
      'pipeline "fx": schedule: unknown option "every" (valid options: "cron", "timezone", "misfire", "misfireGraceSeconds")',
    );
  });

  it('refuses a missing, empty or mistyped cron field', () => {
    assertConfigError(
      {},
      /^pipeline "fx": schedule\.cron must be a cron expression or a list .*got undefined$/,
    );
    assertConfigError({ cron: 42 }, /^pipeline "fx": schedule\.cron must be a cron expression .*got 42$/);
    assertConfigError({ cron: [] }, 'pipeline "fx": schedule.cron must list at least one cron expression');
    assertConfigError(
      { cron: ['0 6 * * *', 5] },
      'pipeline "fx": schedule.cron[1] must be a cron expression string, got 5',
    );
  });

  it('names the pipeline, the list index and the expression of an invalid cron', () => {
    assertConfigError(
      { cron: ['0 6 * * *', '61 * * * *'] },
      'pipeline "fx": schedule.cron[1] "61 * * * *" is not a valid cron expression ' +
        '(minute hour day-of-month month day-of-week): Invalid value for minute: 61',
    );
    assertConfigError(
      { cron: '0 25 * * *' },
      /^pipeline "fx": schedule\.cron "0 25 \* \* \*" is not a valid cron expression .*: Invalid value for hour: 25$/,
    );
  });

  it('refuses expressions croner would read differently from a 5-field cron', () => {
    const invalid = (expression: string, why: RegExp) =>
      assert.throws(
        () => parseSchedule('fx', { cron: expression }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.message.startsWith(
            `pipeline "fx": schedule.cron ${JSON.stringify(expression)} is not a valid cron expression`,
          ) &&
          why.test(error.message),
      );
    invalid('', /exactly five, six, or seven/);
    invalid('0 6 * *', /exactly five, six, or seven/);
    invalid('0 0 6 * * *', /requires exactly 5 parts/);
    invalid('*/0 * * * *', /illegal stepping: 0/);
    invalid('0 6 * * MONDAY', /illegal characters|stand alone/);
    invalid('@reboot', /@reboot is not supported/);
    invalid('2025-01-01T06:00:00', /it is a date, not a repeating pattern/);
    invalid('0 0 30 2 *', /it never matches a real date/);
    invalid('0 0 31 4,6,9,11 *', /it never matches a real date/);
  });

  it('refuses a time zone that is not an IANA name', () => {
    assertConfigError(
      { cron: '0 6 * * *', timezone: 'Mars/Olympus' },
      `pipeline "fx": schedule.timezone "Mars/Olympus" is not an IANA time zone name (e.g. 'UTC', 'Europe/Paris', 'America/New_York')`,
    );
    assertConfigError(
      { cron: '0 6 * * *', timezone: '+01:00' },
      /schedule\.timezone "\+01:00" is not an IANA/,
    );
    assertConfigError({ cron: '0 6 * * *', timezone: '' }, /schedule\.timezone must be an IANA .*got ""$/);
    assertConfigError({ cron: '0 6 * * *', timezone: 1 }, /schedule\.timezone must be an IANA .*got 1$/);
  });

  it('refuses an unknown misfire policy', () => {
    assertConfigError(
      { cron: '0 6 * * *', misfire: 'sometimes' },
      `pipeline "fx": schedule.misfire must be one of 'skip', 'once', 'all', got "sometimes"`,
    );
    assertConfigError({ cron: '0 6 * * *', misfire: null }, /schedule\.misfire must be one of .*got null$/);
  });

  it('refuses a grace period that is not a positive number of seconds', () => {
    for (const [value, shown] of [
      [0, '0'],
      [-5, '-5'],
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      ['60', '"60"'],
    ] as const) {
      assertConfigError(
        { cron: '0 6 * * *', misfireGraceSeconds: value },
        `pipeline "fx": schedule.misfireGraceSeconds must be a positive number of seconds, got ${shown}`,
      );
    }
  });
});

// Time windows: the calendar grid in a zone across DST, clipping, keys and bounds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from './errors.ts';
import {
  enumerateWindows,
  instantOfLocal,
  type PartitionEvery,
  previousWindow,
  type TimeWindow,
  type TimeWindowSpec,
  windowContaining,
  windowForKey,
} from './partition-window.ts';

const at = (iso: string) => new Date(iso);

function spec(every: PartitionEvery, timezone: string, start: string, end?: string): TimeWindowSpec {
  return { every, timezone, start: at(start), end: end === undefined ? undefined : at(end) };
}

const hours = (window: TimeWindow) => (window.end.getTime() - window.start.getTime()) / 3_600_000;
const summary = (window: TimeWindow) => ({
  key: window.key,
  start: window.start.toISOString(),
  end: window.end.toISOString(),
  startDate: window.startDate,
  endDate: window.endDate,
});

describe('zone math', () => {
  it('resolves a skipped time forward and a repeated time to its first occurrence', () => {
    const local = { year: 2025, month: 3, day: 30, hour: 2, minute: 30, second: 0 };
    assert.equal(new Date(instantOfLocal(local, 'Europe/Paris')).toISOString(), '2025-03-30T01:30:00.000Z');
    const repeated = { year: 2025, month: 10, day: 26, hour: 2, minute: 30, second: 0 };
    assert.equal(
      new Date(instantOfLocal(repeated, 'Europe/Paris')).toISOString(),
      '2025-10-26T00:30:00.000Z',
    );
  });
});

describe('daily windows', () => {
  const paris = spec('daily', 'Europe/Paris', '2025-01-01T00:00:00+01:00');

  it('is 23 hours on the spring DST day and 25 on the autumn one in Europe/Paris', () => {
    const spring = enumerateWindows(paris, at('2025-03-29T12:00:00Z'), at('2025-03-31T12:00:00Z'));
    assert.deepEqual(spring.map(summary), [
      {
        key: '2025-03-29',
        start: '2025-03-28T23:00:00.000Z',
        end: '2025-03-29T23:00:00.000Z',
        startDate: '2025-03-29',
        endDate: '2025-03-29',
      },
      {
        key: '2025-03-30',
        start: '2025-03-29T23:00:00.000Z',
        end: '2025-03-30T22:00:00.000Z',
        startDate: '2025-03-30',
        endDate: '2025-03-30',
      },
      {
        key: '2025-03-31',
        start: '2025-03-30T22:00:00.000Z',
        end: '2025-03-31T22:00:00.000Z',
        startDate: '2025-03-31',
        endDate: '2025-03-31',
      },
    ]);
    assert.deepEqual(spring.map(hours), [24, 23, 24]);
    const autumn = enumerateWindows(paris, at('2025-10-25T12:00:00Z'), at('2025-10-27T12:00:00Z'));
    assert.deepEqual(
      autumn.map((w) => [w.key, hours(w)]),
      [
        ['2025-10-25', 24],
        ['2025-10-26', 25],
        ['2025-10-27', 24],
      ],
    );
    assert.equal(autumn[1]?.start.toISOString(), '2025-10-25T22:00:00.000Z');
    assert.equal(autumn[1]?.end.toISOString(), '2025-10-26T23:00:00.000Z');
  });

  it('clips a window to the range and returns nothing outside it', () => {
    const bounded = spec('daily', 'UTC', '2025-01-01T00:00:00Z', '2025-01-04T00:00:00Z');
    const windows = enumerateWindows(bounded, at('2024-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'));
    assert.deepEqual(
      windows.map((w) => w.key),
      ['2025-01-01', '2025-01-02', '2025-01-03'],
    );
    assert.equal(windowContaining(bounded, at('2025-01-04T00:00:00Z')), undefined);
    assert.equal(windowContaining(bounded, at('2024-12-31T23:59:59Z')), undefined);
    assert.equal(windowContaining(bounded, at('2025-01-02T13:00:00Z'))?.key, '2025-01-02');
  });

  it('refuses to enumerate more than the limit', () => {
    const open = spec('hourly', 'UTC', '2000-01-01T00:00:00Z');
    assert.throws(
      () => enumerateWindows(open, at('2000-01-01T00:00:00Z'), at('2030-01-01T00:00:00Z')),
      (error: unknown) =>
        error instanceof UsageError && /more than 100000 hourly partitions/.test(error.message),
    );
    assert.throws(
      () => enumerateWindows(open, at('2000-01-01T00:00:00Z'), at('2000-01-02T00:00:00Z'), 23),
      UsageError,
    );
    assert.equal(
      enumerateWindows(open, at('2000-01-01T00:00:00Z'), at('2000-01-02T00:00:00Z'), 24).length,
      24,
    );
  });
});

describe('weekly windows', () => {
  it('runs Monday to Sunday and clips the last week to the end date', () => {
    const year = spec('weekly', 'UTC', '2024-01-01T00:00:00Z', '2024-12-26T00:00:00Z');
    const windows = enumerateWindows(year, year.start, at('2030-01-01T00:00:00Z'));
    assert.equal(windows.length, 52);
    assert.deepEqual(summary(windows[0] as TimeWindow), {
      key: '2024-W01',
      start: '2024-01-01T00:00:00.000Z',
      end: '2024-01-08T00:00:00.000Z',
      startDate: '2024-01-01',
      endDate: '2024-01-07',
    });
    assert.deepEqual(summary(windows[51] as TimeWindow), {
      key: '2024-W52',
      start: '2024-12-23T00:00:00.000Z',
      end: '2024-12-26T00:00:00.000Z',
      startDate: '2024-12-23',
      endDate: '2024-12-25',
    });
    assert.ok(windows.slice(0, 51).every((w) => hours(w) === 168));
  });

  it('uses the ISO week year, and clips a first week that starts mid-week', () => {
    const spanning = spec('weekly', 'UTC', '2025-01-15T00:00:00Z', '2025-02-01T00:00:00Z');
    const windows = enumerateWindows(spanning, spanning.start, at('2026-01-01T00:00:00Z'));
    assert.deepEqual(
      windows.map((w) => [w.key, w.startDate, w.endDate]),
      [
        ['2025-W03', '2025-01-15', '2025-01-19'],
        ['2025-W04', '2025-01-20', '2025-01-26'],
        ['2025-W05', '2025-01-27', '2025-01-31'],
      ],
    );
    const newYear = spec('weekly', 'UTC', '2024-12-30T00:00:00Z');
    assert.equal(windowContaining(newYear, at('2025-01-02T00:00:00Z'))?.key, '2025-W01');
  });

  it('is 167 hours across the spring change in Europe/Paris', () => {
    const paris = spec('weekly', 'Europe/Paris', '2025-01-06T00:00:00+01:00');
    const week = windowContaining(paris, at('2025-03-30T12:00:00Z')) as TimeWindow;
    assert.equal(week.key, '2025-W13');
    assert.equal(week.start.toISOString(), '2025-03-23T23:00:00.000Z');
    assert.equal(hours(week), 167);
  });
});

describe('monthly windows', () => {
  it('aligns to the first of the month in the zone', () => {
    const paris = spec('monthly', 'Europe/Paris', '2025-01-01T00:00:00+01:00', '2025-04-01T00:00:00+02:00');
    const windows = enumerateWindows(paris, paris.start, at('2030-01-01T00:00:00Z'));
    assert.deepEqual(
      windows.map((w) => [w.key, w.start.toISOString(), w.endDate]),
      [
        ['2025-01', '2024-12-31T23:00:00.000Z', '2025-01-31'],
        ['2025-02', '2025-01-31T23:00:00.000Z', '2025-02-28'],
        ['2025-03', '2025-02-28T23:00:00.000Z', '2025-03-31'],
      ],
    );
    assert.equal(windows[2]?.end.toISOString(), '2025-03-31T22:00:00.000Z');
  });
});

describe('hourly windows', () => {
  it('are UTC hours in UTC', () => {
    const utc = spec('hourly', 'UTC', '2025-01-13T00:00:00Z');
    const windows = enumerateWindows(utc, at('2025-01-13T04:30:00Z'), at('2025-01-13T07:00:00Z'));
    assert.deepEqual(
      windows.map((w) => [w.key, w.start.toISOString()]),
      [
        ['2025-01-13T04', '2025-01-13T04:00:00.000Z'],
        ['2025-01-13T05', '2025-01-13T05:00:00.000Z'],
        ['2025-01-13T06', '2025-01-13T06:00:00.000Z'],
      ],
    );
  });

  it('are keyed by local hour in a zone; the repeated autumn hour carries its offset', () => {
    const paris = spec('hourly', 'Europe/Paris', '2025-01-01T00:00:00+01:00');
    const autumn = enumerateWindows(paris, at('2025-10-25T23:00:00Z'), at('2025-10-26T03:00:00Z'));
    assert.deepEqual(
      autumn.map((w) => [w.key, w.start.toISOString()]),
      [
        ['2025-10-26T01', '2025-10-25T23:00:00.000Z'],
        ['2025-10-26T02', '2025-10-26T00:00:00.000Z'],
        ['2025-10-26T02+01:00', '2025-10-26T01:00:00.000Z'],
        ['2025-10-26T03', '2025-10-26T02:00:00.000Z'],
      ],
    );
    const spring = enumerateWindows(paris, at('2025-03-29T23:00:00Z'), at('2025-03-30T02:00:00Z'));
    assert.deepEqual(
      spring.map((w) => w.key),
      ['2025-03-30T00', '2025-03-30T01', '2025-03-30T03'],
    );
    const autumnDay = enumerateWindows(paris, at('2025-10-25T22:00:00Z'), at('2025-10-26T23:00:00Z'));
    assert.equal(autumnDay.length, 25);
  });

  it('follow a half-hour offset zone', () => {
    const kolkata = spec('hourly', 'Asia/Kolkata', '2025-01-01T00:00:00+05:30');
    const window = windowContaining(kolkata, at('2025-01-13T05:10:00Z')) as TimeWindow;
    assert.equal(window.key, '2025-01-13T10');
    assert.equal(window.start.toISOString(), '2025-01-13T04:30:00.000Z');
  });
});

describe('previousWindow', () => {
  it('is yesterday in the zone for a daily spec, at any time today', () => {
    const paris = spec('daily', 'Europe/Paris', '2025-01-01T00:00:00+01:00');
    // 02:00 in Paris on 31 March (summer time) is 00:00 UTC.
    assert.equal(previousWindow(paris, at('2025-03-31T00:00:00Z'))?.key, '2025-03-30');
    // A minute before midnight in Paris the previous day is still the 29th.
    assert.equal(previousWindow(paris, at('2025-03-30T21:59:00Z'))?.key, '2025-03-29');
    assert.equal(previousWindow(paris, at('2025-03-30T22:00:00Z'))?.key, '2025-03-30');
  });

  it('targets the last window once after the end, then nothing; nothing before the start', () => {
    const bounded = spec('weekly', 'UTC', '2024-01-01T00:00:00Z', '2024-12-26T00:00:00Z');
    assert.equal(previousWindow(bounded, at('2024-12-25T12:00:00Z'))?.key, '2024-W51');
    const last = previousWindow(bounded, at('2024-12-30T02:00:00Z'));
    assert.equal(last?.key, '2024-W52');
    assert.equal(last?.endDate, '2024-12-25');
    assert.equal(previousWindow(bounded, at('2025-01-06T02:00:00Z')), undefined);
    assert.equal(previousWindow(bounded, at('2024-01-03T00:00:00Z')), undefined);
  });
});

describe('windowForKey', () => {
  const paris = spec('hourly', 'Europe/Paris', '2025-01-01T00:00:00+01:00');

  it('reads back every key it writes, including both runs of a repeated hour', () => {
    const windows = enumerateWindows(paris, at('2025-10-25T20:00:00Z'), at('2025-10-26T05:00:00Z'));
    for (const window of windows) assert.deepEqual(windowForKey(paris, window.key), window);
    const weekly = spec('weekly', 'UTC', '2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z');
    for (const window of enumerateWindows(weekly, weekly.start, at('2026-01-01T00:00:00Z'))) {
      assert.deepEqual(windowForKey(weekly, window.key), window);
    }
    const monthly = spec('monthly', 'UTC', '2025-01-01T00:00:00Z');
    assert.equal(windowForKey(monthly, '2025-02').endDate, '2025-02-28');
  });

  it('refuses malformed keys, hours that do not exist and keys outside the range', () => {
    assert.throws(
      () => windowForKey(paris, '2025-10-26'),
      /not a hourly partition key \(e\.g\. 2025-01-13T05\)/,
    );
    assert.throws(() => windowForKey(paris, '2025-03-30T02'), /in Europe\/Paris/);
    assert.throws(() => windowForKey(paris, '2025-10-26T03+01:30'), UsageError);
    assert.throws(() => windowForKey(paris, '2024-12-31T23'), /outside the pipeline's range/);
    const daily = spec('daily', 'UTC', '2025-01-01T00:00:00Z');
    assert.throws(() => windowForKey(daily, '2025-02-30'), UsageError);
  });
});

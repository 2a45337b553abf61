import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type MisfirePolicy, parseSchedule, type ScheduleDefinition } from './schedule-definition.ts';
import { type DueTicks, dueTicks, formatLocalTime, nextTick, nextTicks } from './schedule-ticks.ts';

// The clock is a plain Date: every instant below is written out, nothing waits.
const at = (iso: string) => new Date(iso);
const iso = (dates: readonly Date[]) => dates.map((date) => date.toISOString());
const schedule = (name: string, definition: ScheduleDefinition) => parseSchedule(name, definition);

const forecasts = schedule('forecasts', { cron: '0 0,6,12,18 * * *' });
const observations = schedule('observations', { cron: '0 8-18/2 * * *' });
const market = schedule('market', { cron: ['30 7 * * *', '0 14,20 * * *'], timezone: 'Europe/Paris' });

describe('nextTicks: the real schedules', () => {
  it('forecasts run at 00:00, 06:00, 12:00 and 18:00 UTC', () => {
    assert.deepEqual(iso(nextTicks(forecasts, at('2025-06-10T05:00:00Z'), 5)), [
      '2025-06-10T06:00:00.000Z',
      '2025-06-10T12:00:00.000Z',
      '2025-06-10T18:00:00.000Z',
      '2025-06-11T00:00:00.000Z',
      '2025-06-11T06:00:00.000Z',
    ]);
  });

  it('observations run every 2 hours from 08:00 to 18:00 UTC, 6 times a day', () => {
    assert.deepEqual(iso(nextTicks(observations, at('2025-06-10T17:00:00Z'), 8)), [
      '2025-06-10T18:00:00.000Z',
      '2025-06-11T08:00:00.000Z',
      '2025-06-11T10:00:00.000Z',
      '2025-06-11T12:00:00.000Z',
      '2025-06-11T14:00:00.000Z',
      '2025-06-11T16:00:00.000Z',
      '2025-06-11T18:00:00.000Z',
      '2025-06-12T08:00:00.000Z',
    ]);
  });

  it('market data runs at 07:30, 14:00 and 20:00 Paris time, winter (UTC+1) and summer (UTC+2)', () => {
    assert.deepEqual(iso(nextTicks(market, at('2025-01-14T23:00:00Z'), 4)), [
      '2025-01-15T06:30:00.000Z',
      '2025-01-15T13:00:00.000Z',
      '2025-01-15T19:00:00.000Z',
      '2025-01-16T06:30:00.000Z',
    ]);
    assert.deepEqual(iso(nextTicks(market, at('2025-07-14T22:00:00Z'), 4)), [
      '2025-07-15T05:30:00.000Z',
      '2025-07-15T12:00:00.000Z',
      '2025-07-15T18:00:00.000Z',
      '2025-07-16T05:30:00.000Z',
    ]);
  });

  it('market data follows Paris across both DST changes', () => {
    assert.deepEqual(iso(nextTicks(market, at('2025-03-29T12:00:00Z'), 5)), [
      '2025-03-29T13:00:00.000Z',
      '2025-03-29T19:00:00.000Z',
      '2025-03-30T05:30:00.000Z',
      '2025-03-30T12:00:00.000Z',
      '2025-03-30T18:00:00.000Z',
    ]);
    assert.deepEqual(iso(nextTicks(market, at('2025-10-25T12:00:00Z'), 4)), [
      '2025-10-25T18:00:00.000Z',
      '2025-10-26T06:30:00.000Z',
      '2025-10-26T13:00:00.000Z',
      '2025-10-26T19:00:00.000Z',
    ]);
  });
});

describe('nextTicks: merging and bounds', () => {
  it('is strictly after `after`: the next run time at a tick is the following tick', () => {
    assert.equal(nextTick(forecasts, at('2025-06-10T06:00:00Z'))?.toISOString(), '2025-06-10T12:00:00.000Z');
    assert.equal(
      nextTick(forecasts, at('2025-06-10T05:59:59.999Z'))?.toISOString(),
      '2025-06-10T06:00:00.000Z',
    );
    assert.equal(
      nextTick(forecasts, at('2025-06-10T06:00:00.001Z'))?.toISOString(),
      '2025-06-10T12:00:00.000Z',
    );
  });

  it('gives one tick when two expressions hit the same instant', () => {
    const overlapping = schedule('x', { cron: ['0 6 * * *', '0 6,18 * * *', '0 6 * * *'] });
    assert.deepEqual(iso(nextTicks(overlapping, at('2025-01-01T00:00:00Z'), 3)), [
      '2025-01-01T06:00:00.000Z',
      '2025-01-01T18:00:00.000Z',
      '2025-01-02T06:00:00.000Z',
    ]);
  });

  it('returns nothing for a count of 0 and refuses a negative or fractional count', () => {
    assert.deepEqual(nextTicks(forecasts, at('2025-01-01T00:00:00Z'), 0), []);
    assert.throws(() => nextTicks(forecasts, at('2025-01-01T00:00:00Z'), -1), RangeError);
    assert.throws(() => nextTicks(forecasts, at('2025-01-01T00:00:00Z'), 1.5), RangeError);
  });
});

describe('formatLocalTime', () => {
  it('shows a tick as wall-clock time with its offset', () => {
    assert.equal(formatLocalTime(at('2025-01-15T06:30:00Z'), 'Europe/Paris'), '2025-01-15T07:30:00+01:00');
    assert.equal(formatLocalTime(at('2025-07-15T05:30:00Z'), 'Europe/Paris'), '2025-07-15T07:30:00+02:00');
    assert.equal(formatLocalTime(at('2025-06-10T00:00:00Z'), 'UTC'), '2025-06-10T00:00:00+00:00');
    assert.equal(
      formatLocalTime(at('2025-10-04T15:30:00Z'), 'Australia/Lord_Howe'),
      '2025-10-05T02:30:00+11:00',
    );
  });
});

const tenMinutes = (misfire: MisfirePolicy) => schedule('poll', { cron: '*/10 * * * *', misfire });
const decided = (result: DueTicks) => ({
  fire: iso(result.fire),
  missed: result.missed.map(({ at: tick, reason }) => `${tick.toISOString().slice(11, 16)} ${reason}`),
  truncated: result.truncated && iso([result.truncated.after, result.truncated.before]),
});

describe('dueTicks: normal operation', () => {
  it('fires nothing in the past on the first evaluation', () => {
    const result = dueTicks(forecasts, { lastEvaluatedAt: undefined, now: at('2025-06-10T06:00:00Z') });
    assert.deepEqual(result, { fire: [], missed: [], truncated: undefined });
  });

  it('fires a tick found within the lateness tolerance', () => {
    const result = dueTicks(forecasts, {
      lastEvaluatedAt: at('2025-06-10T05:59:40Z'),
      now: at('2025-06-10T06:00:10Z'),
    });
    assert.deepEqual(decided(result), {
      fire: ['2025-06-10T06:00:00.000Z'],
      missed: [],
      truncated: undefined,
    });
  });

  it('covers (lastEvaluatedAt, now]: a tick at lastEvaluatedAt was decided before, one at now is due', () => {
    const window = { lastEvaluatedAt: at('2025-06-10T00:00:00Z'), now: at('2025-06-10T06:00:00Z') };
    assert.deepEqual(iso(dueTicks(forecasts, window).fire), ['2025-06-10T06:00:00.000Z']);
  });

  it('decides nothing when the clock has not moved forward', () => {
    const now = at('2025-06-10T06:00:10Z');
    assert.deepEqual(dueTicks(forecasts, { lastEvaluatedAt: now, now }).fire, []);
    assert.deepEqual(dueTicks(forecasts, { lastEvaluatedAt: at('2025-06-10T06:05:00Z'), now }).fire, []);
  });

  it('fires an instant hit by two expressions once', () => {
    const overlapping = schedule('x', { cron: ['0 6 * * *', '0 6,18 * * *'] });
    const result = dueTicks(overlapping, {
      lastEvaluatedAt: at('2025-06-10T05:59:40Z'),
      now: at('2025-06-10T06:00:10Z'),
    });
    assert.deepEqual(iso(result.fire), ['2025-06-10T06:00:00.000Z']);
  });
});

describe('dueTicks: misfire policies after an outage', () => {
  // Every process was down from 10:05 to 11:20:30. 10:10 and 10:20 are more than an hour late,
  // 10:30 to 11:10 are late within the grace period, 11:20 is 30 s old and so on time.
  const outage = { lastEvaluatedAt: at('2025-06-10T10:05:00Z'), now: at('2025-06-10T11:20:30Z') };

  it('skip: fires only the on-time tick', () => {
    assert.deepEqual(decided(dueTicks(tenMinutes('skip'), outage)), {
      fire: ['2025-06-10T11:20:00.000Z'],
      missed: [
        '10:10 misfire_grace_exceeded',
        '10:20 misfire_grace_exceeded',
        '10:30 misfire_skip',
        '10:40 misfire_skip',
        '10:50 misfire_skip',
        '11:00 misfire_skip',
        '11:10 misfire_skip',
      ],
      truncated: undefined,
    });
  });

  it('once: one run for the latest missed tick, then the on-time tick', () => {
    assert.deepEqual(decided(dueTicks(tenMinutes('once'), outage)), {
      fire: ['2025-06-10T11:10:00.000Z', '2025-06-10T11:20:00.000Z'],
      missed: [
        '10:10 misfire_grace_exceeded',
        '10:20 misfire_grace_exceeded',
        '10:30 misfire_coalesced',
        '10:40 misfire_coalesced',
        '10:50 misfire_coalesced',
        '11:00 misfire_coalesced',
      ],
      truncated: undefined,
    });
  });

  it('all: every missed tick within the grace period, oldest first', () => {
    assert.deepEqual(decided(dueTicks(tenMinutes('all'), outage)), {
      fire: [
        '2025-06-10T10:30:00.000Z',
        '2025-06-10T10:40:00.000Z',
        '2025-06-10T10:50:00.000Z',
        '2025-06-10T11:00:00.000Z',
        '2025-06-10T11:10:00.000Z',
        '2025-06-10T11:20:00.000Z',
      ],
      missed: ['10:10 misfire_grace_exceeded', '10:20 misfire_grace_exceeded'],
      truncated: undefined,
    });
  });

  it('forecasts: a 40-minute restart still collects the 06:00 run, a 90-minute one records it as missed', () => {
    const short = dueTicks(forecasts, {
      lastEvaluatedAt: at('2025-06-10T05:50:00Z'),
      now: at('2025-06-10T06:40:00Z'),
    });
    assert.deepEqual(decided(short), {
      fire: ['2025-06-10T06:00:00.000Z'],
      missed: [],
      truncated: undefined,
    });
    const long = dueTicks(forecasts, {
      lastEvaluatedAt: at('2025-06-10T05:50:00Z'),
      now: at('2025-06-10T07:30:00Z'),
    });
    assert.deepEqual(decided(long), {
      fire: [],
      missed: ['06:00 misfire_grace_exceeded'],
      truncated: undefined,
    });
  });

  it('a longer grace period catches up after a longer outage', () => {
    const patient = schedule('forecasts', { cron: '0 0,6,12,18 * * *', misfireGraceSeconds: 6 * 3600 });
    const result = dueTicks(patient, {
      lastEvaluatedAt: at('2025-06-10T05:50:00Z'),
      now: at('2025-06-10T12:30:00Z'),
    });
    assert.deepEqual(decided(result), {
      fire: ['2025-06-10T12:00:00.000Z'],
      missed: ['06:00 misfire_grace_exceeded'],
      truncated: undefined,
    });
  });
});

describe('dueTicks: boundaries', () => {
  const last = at('2025-06-10T10:00:00Z');
  const skip = tenMinutes('skip');

  it('a tick exactly `latenessToleranceSeconds` old is on time; one millisecond more is a misfire', () => {
    assert.deepEqual(iso(dueTicks(skip, { lastEvaluatedAt: last, now: at('2025-06-10T10:11:00Z') }).fire), [
      '2025-06-10T10:10:00.000Z',
    ]);
    assert.deepEqual(
      decided(dueTicks(skip, { lastEvaluatedAt: last, now: at('2025-06-10T10:11:00.001Z') })),
      {
        fire: [],
        missed: ['10:10 misfire_skip'],
        truncated: undefined,
      },
    );
  });

  it('the tolerance can be passed in, down to 0', () => {
    const strict = {
      lastEvaluatedAt: last,
      now: at('2025-06-10T10:10:00.001Z'),
      latenessToleranceSeconds: 0,
    };
    assert.deepEqual(decided(dueTicks(skip, strict)).missed, ['10:10 misfire_skip']);
    const lenient = { lastEvaluatedAt: last, now: at('2025-06-10T10:14:00Z'), latenessToleranceSeconds: 300 };
    assert.deepEqual(iso(dueTicks(skip, lenient).fire), ['2025-06-10T10:10:00.000Z']);
  });

  it('a tick exactly `misfireGraceSeconds` late is within the grace period; one millisecond more is not', () => {
    const all = tenMinutes('all');
    const exact = dueTicks(all, { lastEvaluatedAt: last, now: at('2025-06-10T11:10:00Z') });
    assert.deepEqual(decided(exact).missed, []);
    assert.equal(exact.fire[0]?.toISOString(), '2025-06-10T10:10:00.000Z');
    const over = dueTicks(all, { lastEvaluatedAt: last, now: at('2025-06-10T11:10:00.001Z') });
    assert.deepEqual(decided(over).missed, ['10:10 misfire_grace_exceeded']);
    assert.equal(over.fire[0]?.toISOString(), '2025-06-10T10:20:00.000Z');
  });

  it('refuses a negative tolerance and a cap below 1', () => {
    const now = at('2025-06-10T11:00:00Z');
    assert.throws(
      () => dueTicks(skip, { lastEvaluatedAt: last, now, latenessToleranceSeconds: -1 }),
      RangeError,
    );
    assert.throws(() => dueTicks(skip, { lastEvaluatedAt: last, now, maxTicks: 0 }), RangeError);
  });
});

describe('dueTicks: bounded work after a huge outage', () => {
  it('lists at most maxTicks ticks, newest first, and reports the rest as one interval', () => {
    const everyMinute = schedule('ticker', { cron: '* * * * *' });
    const started = performance.now();
    const result = dueTicks(everyMinute, {
      lastEvaluatedAt: at('2025-01-01T00:00:00Z'),
      now: at('2025-06-01T00:00:30Z'),
    });
    assert.ok(performance.now() - started < 5000, 'five months of minutes must not be enumerated');
    assert.deepEqual(iso(result.fire), ['2025-05-31T23:59:00.000Z', '2025-06-01T00:00:00.000Z']);
    assert.equal(result.missed.length, 998);
    assert.equal(result.missed[0]?.at.toISOString(), '2025-05-31T07:21:00.000Z');
    assert.equal(result.missed.at(-1)?.reason, 'misfire_coalesced');
    assert.deepEqual(decided(result).truncated, ['2025-01-01T00:00:00.000Z', '2025-05-31T07:21:00.000Z']);
  });

  it('reports no truncation when the window holds exactly maxTicks ticks', () => {
    const outage = { lastEvaluatedAt: at('2025-06-10T10:05:00Z'), now: at('2025-06-10T11:20:30Z') };
    assert.equal(dueTicks(tenMinutes('all'), { ...outage, maxTicks: 8 }).truncated, undefined);
    assert.deepEqual(decided(dueTicks(tenMinutes('all'), { ...outage, maxTicks: 7 })), {
      fire: iso(dueTicks(tenMinutes('all'), outage).fire),
      missed: ['10:20 misfire_grace_exceeded'],
      truncated: ['2025-06-10T10:05:00.000Z', '2025-06-10T10:20:00.000Z'],
    });
  });
});

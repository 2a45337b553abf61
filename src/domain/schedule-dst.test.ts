import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSchedule } from './schedule-definition.ts';
import { dueTicks, formatLocalTime, nextTicks } from './schedule-ticks.ts';

// Each row mirrors a row of the DST table in docs/schedules.md: change both together.
// Europe/Paris, 2025: clocks go 02:00 → 03:00 on 30 March and 03:00 → 02:00 on 26 October.
interface DstRow {
  cron: string | string[];
  /** The local day shown in the table, as a UTC window [from, to). */
  from: string;
  to: string;
  local: string[];
  utc: string[];
}

const SPRING_DAY = { from: '2025-03-29T23:00:00Z', to: '2025-03-30T22:00:00Z' };
const FALL_DAY = { from: '2025-10-25T22:00:00Z', to: '2025-10-26T23:00:00Z' };
// For hourly jobs the table shows local 00:00 to 04:00 of the day only.
const SPRING_NIGHT = { from: '2025-03-29T23:00:00Z', to: '2025-03-30T02:00:00Z' };
const FALL_NIGHT = { from: '2025-10-25T22:00:00Z', to: '2025-10-26T03:00:00Z' };

const table: Record<string, DstRow> = {
  '1. fixed time in the gap runs once, at the end of the gap': {
    cron: '30 2 * * *',
    ...SPRING_DAY,
    local: ['2025-03-30T03:00:00+02:00'],
    utc: ['2025-03-30T01:00:00.000Z'],
  },
  '2. fixed time in the repeated hour runs once, on the first occurrence': {
    cron: '30 2 * * *',
    ...FALL_DAY,
    local: ['2025-10-26T02:30:00+02:00'],
    utc: ['2025-10-26T00:30:00.000Z'],
  },
  '3. a list of fixed times behaves like each fixed time (spring)': {
    cron: '30 2,14 * * *',
    ...SPRING_DAY,
    local: ['2025-03-30T03:00:00+02:00', '2025-03-30T14:30:00+02:00'],
    utc: ['2025-03-30T01:00:00.000Z', '2025-03-30T12:30:00.000Z'],
  },
  '4. a list of fixed times behaves like each fixed time (fall)': {
    cron: '30 2,14 * * *',
    ...FALL_DAY,
    local: ['2025-10-26T02:30:00+02:00', '2025-10-26T14:30:00+01:00'],
    utc: ['2025-10-26T00:30:00.000Z', '2025-10-26T13:30:00.000Z'],
  },
  '5. an hourly job skips the hour that does not exist': {
    cron: '0 * * * *',
    ...SPRING_NIGHT,
    local: ['2025-03-30T00:00:00+01:00', '2025-03-30T01:00:00+01:00', '2025-03-30T03:00:00+02:00'],
    utc: ['2025-03-29T23:00:00.000Z', '2025-03-30T00:00:00.000Z', '2025-03-30T01:00:00.000Z'],
  },
  '6. an hourly job runs in both passes of the repeated hour': {
    cron: '0 * * * *',
    ...FALL_NIGHT,
    local: [
      '2025-10-26T00:00:00+02:00',
      '2025-10-26T01:00:00+02:00',
      '2025-10-26T02:00:00+02:00',
      '2025-10-26T02:00:00+01:00',
      '2025-10-26T03:00:00+01:00',
    ],
    utc: [
      '2025-10-25T22:00:00.000Z',
      '2025-10-25T23:00:00.000Z',
      '2025-10-26T00:00:00.000Z',
      '2025-10-26T01:00:00.000Z',
      '2025-10-26T02:00:00.000Z',
    ],
  },
  '7. two expressions that land on the same instant give one tick': {
    cron: ['30 2 * * *', '0 3 * * *'],
    ...SPRING_DAY,
    local: ['2025-03-30T03:00:00+02:00'],
    utc: ['2025-03-30T01:00:00.000Z'],
  },
};

function ticksIn(cron: string | string[], from: string, to: string): Date[] {
  const schedule = parseSchedule('dst', { cron, timezone: 'Europe/Paris' });
  const start = new Date(Date.parse(from) - 1);
  return nextTicks(schedule, start, 100).filter((tick) => tick.getTime() < Date.parse(to));
}

describe('DST in Europe/Paris (docs/schedules.md table)', () => {
  for (const [name, row] of Object.entries(table)) {
    it(name, () => {
      const ticks = ticksIn(row.cron, row.from, row.to);
      assert.deepEqual(
        ticks.map((tick) => tick.toISOString()),
        row.utc,
      );
      assert.deepEqual(
        ticks.map((tick) => formatLocalTime(tick, 'Europe/Paris')),
        row.local,
      );
    });
  }

  it('an hourly job runs 23 times on the spring day and 25 times on the fall day', () => {
    assert.equal(ticksIn('0 * * * *', SPRING_DAY.from, SPRING_DAY.to).length, 23);
    assert.equal(ticksIn('0 * * * *', FALL_DAY.from, FALL_DAY.to).length, 25);
  });

  it('the days around the changes keep 02:30 local', () => {
    assert.deepEqual(
      ticksIn('30 2 * * *', '2025-03-29T00:00:00Z', '2025-04-01T00:00:00Z').map((tick) => tick.toISOString()),
      ['2025-03-29T01:30:00.000Z', '2025-03-30T01:00:00.000Z', '2025-03-31T00:30:00.000Z'],
    );
    assert.deepEqual(
      ticksIn('30 2 * * *', '2025-10-25T00:00:00Z', '2025-10-28T00:00:00Z').map((tick) => tick.toISOString()),
      ['2025-10-25T00:30:00.000Z', '2025-10-26T00:30:00.000Z', '2025-10-27T01:30:00.000Z'],
    );
  });

  it('the evaluator agrees: nothing fires during the second pass of 02:30', () => {
    const schedule = parseSchedule('dst', { cron: '30 2 * * *', timezone: 'Europe/Paris' });
    const spring = dueTicks(schedule, {
      lastEvaluatedAt: new Date('2025-03-30T00:59:40Z'),
      now: new Date('2025-03-30T01:00:10Z'),
    });
    assert.deepEqual(
      spring.fire.map((tick) => tick.toISOString()),
      ['2025-03-30T01:00:00.000Z'],
    );
    const firstPass = dueTicks(schedule, {
      lastEvaluatedAt: new Date('2025-10-26T00:29:40Z'),
      now: new Date('2025-10-26T00:30:10Z'),
    });
    assert.deepEqual(
      firstPass.fire.map((tick) => tick.toISOString()),
      ['2025-10-26T00:30:00.000Z'],
    );
    const secondPass = dueTicks(schedule, {
      lastEvaluatedAt: new Date('2025-10-26T01:29:40Z'),
      now: new Date('2025-10-26T01:30:10Z'),
    });
    assert.deepEqual(secondPass, { fire: [], missed: [], truncated: undefined });
  });
});

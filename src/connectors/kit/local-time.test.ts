// The connector kit's wall-clock → UTC conversion, on the days Berlin's clocks change (2026).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localTimeToUtc, parseLocalTime } from './local-time.ts';

const utc = (text: string, zone = 'Europe/Berlin') => localTimeToUtc(text, zone).toISOString();

describe('localTimeToUtc', () => {
  it('takes the zone offset of that instant, not of today', () => {
    assert.equal(utc('2026-01-15T12:00'), '2026-01-15T11:00:00.000Z');
    assert.equal(utc('2026-07-15 12:00:00'), '2026-07-15T10:00:00.000Z');
    assert.equal(utc('2026-07-15'), '2026-07-14T22:00:00.000Z');
    assert.equal(utc('2026-07-15T12:00:30.250', 'America/New_York'), '2026-07-15T16:00:30.250Z');
  });

  it('a time the spring change skips is the instant the clocks jumped past it', () => {
    assert.equal(utc('2026-03-29T01:59'), '2026-03-29T00:59:00.000Z');
    assert.equal(utc('2026-03-29T02:00'), '2026-03-29T01:00:00.000Z');
    assert.equal(utc('2026-03-29T02:30'), '2026-03-29T01:30:00.000Z');
    assert.equal(utc('2026-03-29T03:00'), '2026-03-29T01:00:00.000Z');
  });

  it('a time the autumn change repeats is its first occurrence, unless the text names its offset', () => {
    assert.equal(utc('2026-10-25T02:30'), '2026-10-25T00:30:00.000Z');
    assert.equal(utc('2026-10-25T02:30+02:00'), '2026-10-25T00:30:00.000Z');
    assert.equal(utc('2026-10-25T02:30+01:00'), '2026-10-25T01:30:00.000Z');
    assert.equal(utc('2026-10-25T03:00'), '2026-10-25T02:00:00.000Z');
    assert.equal(utc('2026-10-25T02:30Z'), '2026-10-25T02:30:00.000Z');
  });

  it('text that is no date-time is an Invalid Date; an unknown zone throws', () => {
    for (const text of ['', 'yesterday', '2026-02-30T00:00', '2026-03-01T24:00', '2026-3-1']) {
      assert.ok(Number.isNaN(localTimeToUtc(text, 'Europe/Berlin').getTime()), text);
    }
    assert.equal(parseLocalTime('2026-02-29'), undefined);
    assert.throws(() => localTimeToUtc('2026-01-01T00:00', 'Mars/Olympus'), RangeError);
  });
});

// The dashboard's Intl formatters per locale: thousands, percentages, durations and relative times, no browser.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFormatters } from '../../web/src/i18n/format.ts';

describe('dashboard formatters', () => {
  const en = createFormatters('en');
  const fr = createFormatters('fr');

  it('formats numbers and percentages per locale', () => {
    assert.equal(en.number(1204), '1,204');
    assert.equal(fr.number(1204), '1\u202f204');
    assert.equal(en.percent(0.077), '7.7%');
    assert.equal(fr.percent(0.077), '7,7\u00a0%');
  });

  it('says a duration in the unit that reads best', () => {
    assert.equal(en.duration(473), '473 ms');
    assert.equal(en.duration(2200), '2.2 sec');
    assert.equal(fr.duration(2200), '2,2\u202fs');
    assert.equal(en.duration(125_000), '2 min 5 sec');
    assert.equal(en.duration(27 * 3_600_000 + 5 * 60_000), '27 hr 5 min');
    assert.equal(fr.duration(790 * 86_400_000 + 15 * 3_600_000), '790\u202fj 15\u202fh');
    assert.equal(en.duration(null), '—');
  });

  it('gives relative times against the clock it is handed', () => {
    const now = Date.parse('2026-01-05T12:00:00Z');
    assert.equal(en.relative('2026-01-05T11:57:00Z', now), '3 minutes ago');
    assert.equal(fr.relative('2026-01-05T11:57:00Z', now), 'il y a 3 minutes');
    assert.equal(en.relative(null, now), '—');
  });
});

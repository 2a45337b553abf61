// The pipelines page's pure parts, no browser: cron in English and French words, times in a
// schedule's zone with its offset, and what the trigger form sends for a partitioned pipeline.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cronInWords, zonedFormatter } from '../../web/src/pages/pipelines/schedule-words.ts';
import { triggerOptions } from '../../web/src/pages/pipelines/trigger-options.ts';

describe('pipelines page words', () => {
  it('says a cron in words per locale, and shows an expression it cannot read as it is', () => {
    assert.equal(cronInWords('30 6 * * 1-5', 'en'), 'At 06:30, Monday through Friday');
    assert.equal(cronInWords('30 6 * * 1-5', 'fr'), 'À 06:30, de lundi à vendredi');
    assert.equal(cronInWords('*/15 * * * *', 'fr'), 'Toutes les 15 minutes');
    assert.equal(cronInWords('not a cron', 'en'), 'not a cron');
  });

  it('formats run times in the schedule’s zone with that day’s offset, whatever the viewer’s', () => {
    const paris = zonedFormatter('en', 'Europe/Paris');
    assert.equal(paris('2026-12-07T05:30:00Z'), 'Mon, Dec 7, 2026, 06:30 GMT+1');
    assert.equal(paris('2026-06-08T04:30:00Z'), 'Mon, Jun 8, 2026, 06:30 GMT+2');
    assert.equal(
      zonedFormatter('fr', 'Europe/Paris')('2026-12-07T05:30:00Z'),
      'lun. 7 déc. 2026, 06:30 UTC+1',
    );
  });

  it('sends the date for the time window and the keys, in declaration order, as the partition', () => {
    const weekly = {
      shape: 'weekly|site=<key>|sensor=<key>',
      time: { every: 'weekly', timezone: 'UTC' },
      keys: [
        { name: 'site', values: ['annecy'] },
        { name: 'sensor', values: null },
      ],
    };
    assert.deepEqual(triggerOptions(weekly, '2025-01-15', { sensor: 't1', site: 'annecy' }), {
      date: '2025-01-15',
      partition: 'site=annecy|sensor=t1',
    });
    const keysOnly = { shape: 'site=<key>', time: null, keys: [{ name: 'site', values: null }] };
    assert.deepEqual(triggerOptions(keysOnly, '', { site: 'x' }), { partition: 'site=x' });
  });
});

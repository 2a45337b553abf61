// The dataset chart's data, no browser: rows grouped into series by their key values, aligned on
// one time axis with nulls where a series has no point, and each series' summary for the text fallback.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildChartData } from '../../web/src/pages/datasets/chart-data.ts';
import { numberOf } from '../../web/src/pages/datasets/record-value.ts';

const options = { timeColumn: 'observed_at', valueColumn: 'temperature_c', seriesColumns: ['station'] };

describe('dataset chart data', () => {
  it('aligns the series on the union of their times, oldest first, with nulls for missing points', () => {
    const data = buildChartData(
      [
        { station: 'b', observed_at: '2024-10-05T01:00:00.000Z', temperature_c: 3 },
        { station: 'a', observed_at: '2024-10-05T00:00:00.000Z', temperature_c: 1.5 },
        { station: 'a', observed_at: '2024-10-05T02:00:00.000Z', temperature_c: null },
        { station: 'b', observed_at: '2024-10-05T02:00:00.000Z', temperature_c: '4.25' },
      ],
      options,
    );
    const t0 = Date.parse('2024-10-05T00:00:00Z') / 1000;
    assert.deepEqual(data.times, [t0, t0 + 3600, t0 + 7200]);
    assert.deepEqual(data.values, [
      [1.5, null, null],
      [null, 3, 4.25],
    ]);
    assert.deepEqual(data.series, [
      { label: 'a', points: 2, min: 1.5, max: 1.5, last: { time: t0 * 1000, value: 1.5 } },
      { label: 'b', points: 2, min: 3, max: 4.25, last: { time: (t0 + 7200) * 1000, value: 4.25 } },
    ]);
    assert.equal(data.from, t0 * 1000);
    assert.equal(data.to, (t0 + 7200) * 1000);
  });

  it('labels several series columns by name, none by the value column, and skips rows without a time', () => {
    const rows = [
      { site: 's1', sensor: 'x', observed_at: '2024-10-05T00:00:00Z', temperature_c: 1 },
      { site: 's1', sensor: 'x', observed_at: null, temperature_c: 2 },
    ];
    const several = buildChartData(rows, { ...options, seriesColumns: ['site', 'sensor'] });
    assert.deepEqual(
      several.series.map((series) => [series.label, series.points]),
      [['site=s1, sensor=x', 1]],
    );
    const none = buildChartData(rows, { ...options, seriesColumns: [] });
    assert.deepEqual(
      none.series.map((series) => series.label),
      ['temperature_c'],
    );
    const empty = buildChartData([], options);
    assert.deepEqual([empty.times, empty.series, empty.from, empty.to], [[], [], null, null]);
  });

  it('reads numeric and bigint cells sent as text, and nothing else, as numbers', () => {
    assert.equal(numberOf('12345678901'), 12_345_678_901);
    assert.equal(numberOf(-4), -4);
    for (const value of ['', ' ', 'n/a', null, undefined, Number.NaN, true])
      assert.equal(numberOf(value), null);
  });
});

// The chart's data: rows grouped into series by their key values, aligned on one time axis as uPlot
// draws them (seconds, a null where a series has no point), with each series' summary for the text fallback.
import type { DatasetRecord } from '../../api/types.ts';
import { numberOf, timeOf } from './record-value.ts';

export interface SeriesSummary {
  label: string;
  points: number;
  min: number | null;
  max: number | null;
  /** The latest point with a value: its time (ms) and value. */
  last: { time: number; value: number } | null;
}

export interface ChartData {
  /** Seconds since the epoch, ascending, every series' times together. */
  times: number[];
  /** One array per series, as long as `times`. */
  values: Array<Array<number | null>>;
  series: SeriesSummary[];
  from: number | null;
  to: number | null;
}

/** "07015" for one series column, "site=a, sensor=b" for several, the column's name for none. */
function labelOf(record: DatasetRecord, seriesColumns: readonly string[], valueColumn: string): string {
  if (seriesColumns.length === 0) return valueColumn;
  if (seriesColumns.length === 1) return String(record[seriesColumns[0] ?? ''] ?? '');
  return seriesColumns.map((name) => `${name}=${String(record[name] ?? '')}`).join(', ');
}

export function buildChartData(
  records: readonly DatasetRecord[],
  options: { timeColumn: string; valueColumn: string; seriesColumns: readonly string[] },
): ChartData {
  const bySeries = new Map<string, Map<number, number | null>>();
  const allTimes = new Set<number>();
  for (const record of records) {
    const time = timeOf(record[options.timeColumn]);
    if (time === null) continue;
    const label = labelOf(record, options.seriesColumns, options.valueColumn);
    const points = bySeries.get(label) ?? new Map<number, number | null>();
    points.set(time, numberOf(record[options.valueColumn]));
    bySeries.set(label, points);
    allTimes.add(time);
  }
  const sortedTimes = [...allTimes].sort((a, b) => a - b);
  const labels = [...bySeries.keys()].sort((a, b) => a.localeCompare(b));
  const values: Array<Array<number | null>> = [];
  const series: SeriesSummary[] = [];
  for (const label of labels) {
    const points = bySeries.get(label) ?? new Map<number, number | null>();
    values.push(sortedTimes.map((time) => points.get(time) ?? null));
    let min: number | null = null;
    let max: number | null = null;
    let last: SeriesSummary['last'] = null;
    for (const [time, value] of [...points.entries()].sort(([a], [b]) => a - b)) {
      if (value === null) continue;
      min = min === null ? value : Math.min(min, value);
      max = max === null ? value : Math.max(max, value);
      last = { time, value };
    }
    series.push({ label, points: points.size, min, max, last });
  }
  return {
    times: sortedTimes.map((time) => time / 1000),
    values,
    series,
    from: sortedTimes[0] ?? null,
    to: sortedTimes.at(-1) ?? null,
  };
}

// The chart itself, loaded on demand (uPlot is not in the initial bundle): one line per series on a
// time axis, resized with its container, its legend values in the page's number and date formats.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Formatters } from '../../i18n/format.ts';
import type { ChartData } from './chart-data.ts';

/** Distinct on white at 3:1 or more (WCAG non-text contrast), in an order that keeps neighbours apart. */
export const SERIES_COLOURS = [
  '#1d4ed8',
  '#b91c1c',
  '#047857',
  '#7c3aed',
  '#b45309',
  '#0e7490',
  '#be185d',
  '#4d7c0f',
];

const HEIGHT = 320;

export interface SeriesChartCanvasProps {
  data: ChartData;
  valueLabel: string;
  timeLabel: string;
  format: Formatters;
}

export default function SeriesChartCanvas({ data, valueLabel, timeLabel, format }: SeriesChartCanvasProps) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const target = container.current;
    if (!target) return;
    const value = (_: uPlot, raw: number | null) => (raw === null ? '—' : format.number(raw));
    const options: uPlot.Options = {
      width: Math.max(target.clientWidth, 320),
      height: HEIGHT,
      scales: { x: { time: true } },
      series: [
        {
          label: timeLabel,
          value: (_: uPlot, seconds: number | null) =>
            seconds === null ? '—' : format.dateTime(new Date(seconds * 1000).toISOString()),
        },
        ...data.series.map((series, index) => ({
          label: series.label,
          stroke: SERIES_COLOURS[index % SERIES_COLOURS.length],
          width: 1.5,
          spanGaps: true,
          value,
        })),
      ],
      axes: [{}, { label: valueLabel, values: (_, ticks) => ticks.map((tick) => format.number(tick)) }],
    };
    const chart = new uPlot(options, [data.times, ...data.values], target);
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(target.clientWidth, 320), height: HEIGHT }),
    );
    resize.observe(target);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [data, valueLabel, timeLabel, format]);

  return <div ref={container} className="series-chart" data-testid="series-chart" />;
}

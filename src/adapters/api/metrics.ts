// Prometheus text exposition (0.0.4) of the status section's metrics snapshot; this module only formats.
import type { BucketCount } from '../../engine/metrics.ts';
import type { Status } from '../../engine/status.ts';
import { upstreamMetricLines } from './upstream-metrics.ts';

/** Seconds; runs range from a sub-second file read to hour-long backfill partitions. */
export const RUN_DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;
/** Seconds a run spent in dataset writes (all its batches together). */
export const DATASET_WRITE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
] as const;

function label(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function labelSet(labels: Record<string, string>, extra: Record<string, string> = {}): string {
  const all = { ...labels, ...extra };
  return Object.entries(all)
    .map(([name, value]) => `${name}="${label(value)}"`)
    .join(',');
}

// Cumulative buckets, `_sum` and `_count` per label set; every bound is written, empty ones as 0.
function histogramLines(name: string, bounds: readonly number[], counts: BucketCount[]): string[] {
  const series = new Map<string, BucketCount[]>();
  for (const c of counts) {
    const key = labelSet(c.labels);
    series.set(key, [...(series.get(key) ?? []), c]);
  }
  const lines: string[] = [];
  for (const [key, rows] of series) {
    const labels = rows[0]?.labels ?? {};
    let cumulative = 0;
    for (const bound of bounds) {
      cumulative += rows.filter((r) => r.le === bound).reduce((n, r) => n + r.count, 0);
      lines.push(`${name}_bucket{${labelSet(labels, { le: String(bound) })}} ${cumulative}`);
    }
    const total = rows.reduce((n, r) => n + r.count, 0);
    const sum = rows.reduce((n, r) => n + r.sumSeconds, 0);
    lines.push(`${name}_bucket{${labelSet(labels, { le: '+Inf' })}} ${total}`);
    lines.push(`${name}_sum{${key}} ${sum}`, `${name}_count{${key}} ${total}`);
  }
  return lines;
}

export async function renderMetrics(status: Pick<Status, 'metrics'>): Promise<string> {
  const snapshot = await status.metrics({
    runDuration: RUN_DURATION_BUCKETS,
    datasetWrite: DATASET_WRITE_BUCKETS,
  });
  const rows = snapshot.runTotals;
  const lines = [
    '# HELP sluice_runs_total Runs by pipeline and status.',
    '# TYPE sluice_runs_total counter',
    ...rows.map(
      (r) => `sluice_runs_total{${labelSet({ pipeline: r.pipeline, status: r.status })}} ${r.runs}`,
    ),
    '# HELP sluice_run_duration_seconds Duration of finished runs by pipeline and status.',
    '# TYPE sluice_run_duration_seconds histogram',
    ...histogramLines('sluice_run_duration_seconds', RUN_DURATION_BUCKETS, snapshot.runDurations),
    '# HELP sluice_dataset_write_seconds Time a run spent writing records to its dataset table, by dataset.',
    '# TYPE sluice_dataset_write_seconds histogram',
    ...histogramLines('sluice_dataset_write_seconds', DATASET_WRITE_BUCKETS, snapshot.datasetWrites),
    '# HELP sluice_records_total Items fetched, records produced by the transform, and records written or refused as the database reported them.',
    '# TYPE sluice_records_total counter',
  ];
  const totals = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const t = totals.get(r.pipeline) ?? {};
    for (const kind of [
      'fetched',
      'produced',
      'inserted',
      'updated',
      'unchanged',
      'rejected',
      'warned',
    ] as const)
      t[kind] = (t[kind] ?? 0) + r[kind];
    totals.set(r.pipeline, t);
  }
  for (const [pipeline, t] of totals) {
    for (const [kind, value] of Object.entries(t)) {
      lines.push(`sluice_records_total{pipeline="${label(pipeline)}",outcome="${kind}"} ${value}`);
    }
  }
  const state = snapshot.queue;
  lines.push(
    '# HELP sluice_runs_queued Runs waiting in the queue (queue depth).',
    '# TYPE sluice_runs_queued gauge',
    `sluice_runs_queued ${state.queued}`,
    '# HELP sluice_runs_running Runs being executed.',
    '# TYPE sluice_runs_running gauge',
    `sluice_runs_running ${state.running}`,
    '# HELP sluice_scheduler_lag_seconds Longest delay in the last hour between a tick and the start of its run.',
    '# TYPE sluice_scheduler_lag_seconds gauge',
    `sluice_scheduler_lag_seconds ${state.lagSeconds ?? 0}`,
  );
  lines.push(
    '# HELP sluice_backfill_partitions Partitions of active and paused backfills by pipeline and state.',
    '# TYPE sluice_backfill_partitions gauge',
    ...snapshot.backfillPartitions.map(
      (r) =>
        `sluice_backfill_partitions{pipeline="${label(r.pipeline)}",state="${label(r.state)}"} ${r.count}`,
    ),
  );
  lines.push(...upstreamMetricLines(snapshot.upstream));
  return `${lines.join('\n')}\n`;
}

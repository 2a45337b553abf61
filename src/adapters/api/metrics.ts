// Prometheus text exposition computed from the database, so every process reports the same totals.
import type { Queryable } from '../postgres/database.ts';
import { upstreamMetricLines } from './upstream-metrics.ts';

function label(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

export async function renderMetrics(db: Queryable): Promise<string> {
  const { rows } = await db.query<{
    pipeline: string;
    status: string;
    runs: number;
    inserted: number;
    updated: number;
    unchanged: number;
    rejected: number;
    warned: number;
    fetched: number;
    produced: number;
    duration_s: number;
  }>(
    `SELECT pipeline, status, count(*)::bigint AS runs, sum(inserted)::bigint AS inserted,
            sum(updated)::bigint AS updated, sum(unchanged)::bigint AS unchanged, sum(rejected)::bigint AS rejected, sum(warned)::bigint AS warned,
            sum(fetched)::bigint AS fetched, sum(produced)::bigint AS produced,
            coalesce(sum(duration_ms), 0)::float8 / 1000 AS duration_s
       FROM sluice.runs GROUP BY pipeline, status ORDER BY pipeline, status`,
  );
  const lines = [
    '# HELP sluice_runs_total Runs by pipeline and status.',
    '# TYPE sluice_runs_total counter',
    ...rows.map(
      (r) => `sluice_runs_total{pipeline="${label(r.pipeline)}",status="${r.status}"} ${Number(r.runs)}`,
    ),
    '# HELP sluice_run_duration_seconds_sum Total run time by pipeline and status.',
    '# TYPE sluice_run_duration_seconds_sum counter',
    ...rows.map(
      (r) =>
        `sluice_run_duration_seconds_sum{pipeline="${label(r.pipeline)}",status="${r.status}"} ${r.duration_s}`,
    ),
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
      t[kind] = (t[kind] ?? 0) + Number(r[kind]);
    totals.set(r.pipeline, t);
  }
  for (const [pipeline, t] of totals) {
    for (const [kind, value] of Object.entries(t)) {
      lines.push(`sluice_records_total{pipeline="${label(pipeline)}",outcome="${kind}"} ${value}`);
    }
  }
  const { rows: states } = await db.query<{ queued: number; running: number; lag: number | null }>(
    `SELECT (SELECT count(*) FROM sluice.runs WHERE status = 'queued')::int AS queued,
            (SELECT count(*) FROM sluice.runs WHERE status = 'running')::int AS running,
            (SELECT max(extract(epoch FROM r.started_at - t.scheduled_at))::float8
               FROM sluice.ticks t JOIN sluice.runs r ON r.id = t.run_id
              WHERE t.outcome = 'fired' AND t.scheduled_at > now() - interval '1 hour') AS lag`,
  );
  const state = states[0];
  lines.push(
    '# HELP sluice_runs_queued Runs waiting in the queue (queue depth).',
    '# TYPE sluice_runs_queued gauge',
    `sluice_runs_queued ${state?.queued ?? 0}`,
    '# HELP sluice_runs_running Runs being executed.',
    '# TYPE sluice_runs_running gauge',
    `sluice_runs_running ${state?.running ?? 0}`,
    '# HELP sluice_scheduler_lag_seconds Longest delay in the last hour between a tick and the start of its run.',
    '# TYPE sluice_scheduler_lag_seconds gauge',
    `sluice_scheduler_lag_seconds ${state?.lag ?? 0}`,
  );
  // Partitions of the backfills still in progress, by state: a dashboard's progress and stall alert.
  const { rows: backfills } = await db.query<{ pipeline: string; status: string; n: number }>(
    `SELECT b.pipeline, p.status, count(*)::int AS n FROM sluice.backfills b
       JOIN sluice.backfill_partitions p ON p.backfill_id = b.id
      WHERE b.status IN ('active', 'paused') GROUP BY b.pipeline, p.status ORDER BY 1, 2`,
  );
  lines.push(
    '# HELP sluice_backfill_partitions Partitions of active and paused backfills by pipeline and state.',
    '# TYPE sluice_backfill_partitions gauge',
    ...backfills.map(
      (r) => `sluice_backfill_partitions{pipeline="${label(r.pipeline)}",state="${r.status}"} ${r.n}`,
    ),
  );
  lines.push(...(await upstreamMetricLines(db)));
  return `${lines.join('\n')}\n`;
}

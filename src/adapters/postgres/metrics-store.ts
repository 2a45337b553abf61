// What /metrics reports, read from the shared tables so every process scrapes the same totals.
import type {
  BackfillPartitionCount,
  BucketCount,
  MetricsStore,
  QueueState,
  RunTotals,
} from '../../engine/metrics.ts';
import { listBreakers } from './breaker-store.ts';
import type { Queryable } from './database.ts';
import { listSourceStats } from './source-stats-store.ts';

export async function runTotals(db: Queryable): Promise<RunTotals[]> {
  const { rows } = await db.query<Record<keyof RunTotals, string | number>>(
    `SELECT pipeline, status, count(*)::bigint AS runs, sum(inserted)::bigint AS inserted,
            sum(updated)::bigint AS updated, sum(unchanged)::bigint AS unchanged, sum(rejected)::bigint AS rejected,
            sum(warned)::bigint AS warned, sum(fetched)::bigint AS fetched, sum(produced)::bigint AS produced
       FROM sluice.runs GROUP BY pipeline, status ORDER BY pipeline, status`,
  );
  return rows.map((r) => ({
    pipeline: String(r.pipeline),
    status: String(r.status),
    runs: Number(r.runs),
    inserted: Number(r.inserted),
    updated: Number(r.updated),
    unchanged: Number(r.unchanged),
    rejected: Number(r.rejected),
    warned: Number(r.warned),
    fetched: Number(r.fetched),
    produced: Number(r.produced),
  }));
}

// Each stored duration falls into the lowest bound at or above it, so the formatter only accumulates.
async function bucketCounts(
  db: Queryable,
  sql: string,
  bounds: readonly number[],
  labelNames: readonly string[],
): Promise<BucketCount[]> {
  const { rows } = await db.query<Record<string, string | number | null>>(sql, [bounds]);
  return rows.map((r) => ({
    labels: Object.fromEntries(labelNames.map((name) => [name, String(r[name])])),
    le: r.le === null ? null : Number(r.le),
    count: Number(r.n),
    sumSeconds: Number(r.sum_s),
  }));
}

/** Finished runs (those with a stored duration) by pipeline and status. */
export function runDurationBuckets(db: Queryable, bounds: readonly number[]): Promise<BucketCount[]> {
  return bucketCounts(
    db,
    `SELECT pipeline, status, le, count(*)::bigint AS n, sum(s)::float8 AS sum_s
       FROM (SELECT pipeline, status, duration_ms::float8 / 1000 AS s FROM sluice.runs
              WHERE duration_ms IS NOT NULL) r
       CROSS JOIN LATERAL (SELECT min(b) AS le FROM unnest($1::float8[]) b WHERE b >= r.s) x
      GROUP BY pipeline, status, le ORDER BY pipeline, status, le`,
    bounds,
    ['pipeline', 'status'],
  );
}

/** Time each run spent writing to its dataset table, from the timings its report keeps. */
export function datasetWriteBuckets(db: Queryable, bounds: readonly number[]): Promise<BucketCount[]> {
  return bucketCounts(
    db,
    `SELECT dataset, le, count(*)::bigint AS n, sum(s)::float8 AS sum_s
       FROM (SELECT dataset, (report->'timings'->>'writeMs')::float8 / 1000 AS s FROM sluice.runs
              WHERE jsonb_typeof(report->'timings'->'writeMs') = 'number') r
       CROSS JOIN LATERAL (SELECT min(b) AS le FROM unnest($1::float8[]) b WHERE b >= r.s) x
      GROUP BY dataset, le ORDER BY dataset, le`,
    bounds,
    ['dataset'],
  );
}

export async function queueState(db: Queryable): Promise<QueueState> {
  const { rows } = await db.query<{ queued: number; running: number; lag: number | null }>(
    `SELECT (SELECT count(*) FROM sluice.runs WHERE status = 'queued')::int AS queued,
            (SELECT count(*) FROM sluice.runs WHERE status = 'running')::int AS running,
            (SELECT max(extract(epoch FROM r.started_at - t.scheduled_at))::float8
               FROM sluice.ticks t JOIN sluice.runs r ON r.id = t.run_id
              WHERE t.outcome = 'fired' AND t.scheduled_at > now() - interval '1 hour') AS lag`,
  );
  const row = rows[0];
  return { queued: row?.queued ?? 0, running: row?.running ?? 0, lagSeconds: row?.lag ?? null };
}

/** Partitions of the backfills still in progress, by state: a dashboard's progress and stall alert. */
export async function backfillPartitionCounts(db: Queryable): Promise<BackfillPartitionCount[]> {
  const { rows } = await db.query<{ pipeline: string; status: string; n: number }>(
    `SELECT b.pipeline, p.status, count(*)::int AS n FROM sluice.backfills b
       JOIN sluice.backfill_partitions p ON p.backfill_id = b.id
      WHERE b.status IN ('active', 'paused') GROUP BY b.pipeline, p.status ORDER BY 1, 2`,
  );
  return rows.map((r) => ({ pipeline: r.pipeline, state: r.status, count: Number(r.n) }));
}

/** The metrics port: every family /metrics reports, read in one call. */
export function createMetricsQueries(db: Queryable): MetricsStore {
  return {
    async snapshot(bounds) {
      return {
        runTotals: await runTotals(db),
        runDurations: await runDurationBuckets(db, bounds.runDuration),
        datasetWrites: await datasetWriteBuckets(db, bounds.datasetWrite),
        queue: await queueState(db),
        backfillPartitions: await backfillPartitionCounts(db),
        upstream: { stats: await listSourceStats(db), breakers: await listBreakers(db) },
      };
    },
  };
}

// What each provider's calls did, shared by every process: outcome counters, last success and failure,
// a bounded list of recent latencies for percentiles, and cumulative latency bucket counters.
import { UpstreamOutcome } from '../../domain/upstream-outcome.ts';
import type { SourceStats } from '../../engine/sources.ts';
import type { AttemptRecord } from '../sources/provider-store.ts';
import type { Queryable } from './database.ts';

/** Recent latencies kept per provider. */
export const LATENCY_SAMPLES = 200;

/**
 * Seconds; the bounds of the stored `latency_buckets` counters, position by position (migration 0014
 * seeds them with the same list), so changing one needs a migration that recounts.
 */
export const UPSTREAM_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

export async function recordAttempt(db: Queryable, provider: string, attempt: AttemptRecord): Promise<void> {
  const count = `INSERT INTO sluice.source_requests (provider, outcome, count) VALUES ($1, $2, 1)
    ON CONFLICT (provider, outcome) DO UPDATE SET count = sluice.source_requests.count + 1`;
  // A short-circuited call never reached the upstream: it is counted, but it has no latency or message.
  if (attempt.outcome === UpstreamOutcome.shortCircuited) {
    await db.query(count, [provider, attempt.outcome]);
    return;
  }
  const success = attempt.outcome === UpstreamOutcome.success;
  const latency = attempt.latencyMs === undefined ? null : Math.round(attempt.latencyMs);
  await db.query(
    `WITH stats AS (
       INSERT INTO sluice.source_stats AS s
         (provider, last_success_at, last_failure_at, last_failure_message, latencies_ms, latency_sum_ms, latency_count,
          latency_buckets)
       VALUES ($1, $3, $4, $5, CASE WHEN $6::int IS NULL THEN '{}'::int[] ELSE ARRAY[$6::int] END,
               coalesce($6::int, 0), CASE WHEN $6::int IS NULL THEN 0 ELSE 1 END,
               ARRAY(SELECT CASE WHEN $6::int <= u.le * 1000 THEN 1 ELSE 0 END::bigint
                       FROM unnest($7::float8[]) WITH ORDINALITY AS u(le, i) ORDER BY u.i))
       ON CONFLICT (provider) DO UPDATE SET
         last_success_at = coalesce(EXCLUDED.last_success_at, s.last_success_at),
         last_failure_at = coalesce(EXCLUDED.last_failure_at, s.last_failure_at),
         last_failure_message = CASE WHEN EXCLUDED.last_failure_at IS NULL THEN s.last_failure_message
                                     ELSE EXCLUDED.last_failure_message END,
         latencies_ms = (s.latencies_ms || EXCLUDED.latencies_ms)[
           greatest(1, cardinality(s.latencies_ms) + cardinality(EXCLUDED.latencies_ms) - ${LATENCY_SAMPLES - 1}):],
         latency_sum_ms = s.latency_sum_ms + EXCLUDED.latency_sum_ms,
         latency_count = s.latency_count + EXCLUDED.latency_count,
         latency_buckets = ARRAY(SELECT coalesce(s.latency_buckets[i], 0) + EXCLUDED.latency_buckets[i]
                                   FROM generate_subscripts(EXCLUDED.latency_buckets, 1) AS i ORDER BY i)
     )
     ${count}`,
    [
      provider,
      attempt.outcome,
      success ? attempt.at : null,
      success ? null : attempt.at,
      success ? null : (attempt.message ?? null),
      latency,
      UPSTREAM_LATENCY_BUCKETS,
    ],
  );
}

export async function listSourceStats(db: Queryable): Promise<SourceStats[]> {
  const { rows } = await db.query<{
    provider: string;
    last_success_at: Date | null;
    last_failure_at: Date | null;
    last_failure_message: string | null;
    latencies_ms: number[] | null;
    latency_sum_ms: number | null;
    latency_count: number | string | null;
    latency_buckets: (number | string)[] | null;
    requests: Record<string, number | string> | null;
  }>(
    `SELECT p.provider, s.last_success_at, s.last_failure_at, s.last_failure_message, s.latencies_ms,
            s.latency_sum_ms, s.latency_count, s.latency_buckets,
            (SELECT jsonb_object_agg(r.outcome, r.count) FROM sluice.source_requests r
              WHERE r.provider = p.provider) AS requests
       FROM (SELECT provider FROM sluice.source_stats UNION SELECT provider FROM sluice.source_requests) p
       LEFT JOIN sluice.source_stats s ON s.provider = p.provider
      ORDER BY p.provider`,
  );
  return rows.map((row) => ({
    provider: row.provider,
    lastSuccessAt: row.last_success_at,
    lastFailureAt: row.last_failure_at,
    lastFailureMessage: row.last_failure_message,
    latenciesMs: (row.latencies_ms ?? []).map(Number),
    latencySumMs: Number(row.latency_sum_ms ?? 0),
    latencyCount: Number(row.latency_count ?? 0),
    latencyBuckets: UPSTREAM_LATENCY_BUCKETS.map((le, i) => ({
      le,
      count: Number(row.latency_buckets?.[i] ?? 0),
    })),
    requests: Object.fromEntries(
      Object.entries(row.requests ?? {}).map(([outcome, n]) => [outcome, Number(n)]),
    ),
  }));
}

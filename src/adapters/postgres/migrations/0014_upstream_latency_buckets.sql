-- Upstream latency histogram: per provider, cumulative counts of the calls at or under each bound
-- (UPSTREAM_LATENCY_BUCKETS in source-stats-store.ts: 0.05 0.1 0.25 0.5 1 2.5 5 10 30 60 s), counted
-- by the statement that records the call, so they are the database's and survive restarts.
ALTER TABLE sluice.source_stats ADD COLUMN latency_buckets bigint[] NOT NULL DEFAULT '{0,0,0,0,0,0,0,0,0,0}';

-- Existing rows start from the latencies they kept: exact when every call is still among the latest
-- 200; older calls count only in `+Inf` (latency_count).
UPDATE sluice.source_stats s SET latency_buckets = ARRAY(
  SELECT count(l) FILTER (WHERE l <= b.ms)
    FROM unnest('{50,100,250,500,1000,2500,5000,10000,30000,60000}'::int[]) WITH ORDINALITY AS b(ms, i)
    LEFT JOIN unnest(s.latencies_ms) AS l ON true
   GROUP BY b.i ORDER BY b.i);

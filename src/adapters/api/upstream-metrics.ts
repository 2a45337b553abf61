// Prometheus lines for upstream calls: requests by outcome, latency, breaker state, from the shared tables.
import { BreakerState } from '../../domain/circuit-breaker.ts';
import type { SourceStats, StoredBreaker } from '../../engine/sources.ts';

function label(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

export function upstreamMetricLines({
  stats,
  breakers,
}: {
  stats: readonly SourceStats[];
  breakers: readonly StoredBreaker[];
}): string[] {
  const lines = [
    '# HELP sluice_upstream_requests_total Calls to source providers by outcome (short_circuited ones were never sent).',
    '# TYPE sluice_upstream_requests_total counter',
  ];
  for (const stat of stats) {
    for (const [outcome, count] of Object.entries(stat.requests)) {
      lines.push(
        `sluice_upstream_requests_total{provider="${label(stat.provider)}",outcome="${label(outcome)}"} ${count}`,
      );
    }
  }
  // The stored counters are already cumulative; `+Inf` is every timed call, older ones included.
  lines.push(
    '# HELP sluice_upstream_latency_seconds Time to the first records or the failure, per provider.',
    '# TYPE sluice_upstream_latency_seconds histogram',
  );
  for (const stat of stats) {
    const provider = label(stat.provider);
    for (const { le, count } of stat.latencyBuckets) {
      lines.push(`sluice_upstream_latency_seconds_bucket{provider="${provider}",le="${le}"} ${count}`);
    }
    lines.push(
      `sluice_upstream_latency_seconds_bucket{provider="${provider}",le="+Inf"} ${stat.latencyCount}`,
      `sluice_upstream_latency_seconds_sum{provider="${provider}"} ${stat.latencySumMs / 1000}`,
      `sluice_upstream_latency_seconds_count{provider="${provider}"} ${stat.latencyCount}`,
    );
  }
  lines.push(
    '# HELP sluice_breaker_state Circuit breaker state per provider: 1 for the current state, 0 for the others.',
    '# TYPE sluice_breaker_state gauge',
  );
  for (const { provider, breaker } of breakers) {
    for (const state of Object.values(BreakerState)) {
      lines.push(
        `sluice_breaker_state{provider="${label(provider)}",state="${state}"} ${breaker.state === state ? 1 : 0}`,
      );
    }
  }
  lines.push(
    '# HELP sluice_breaker_consecutive_failures Failures in a row per provider.',
    '# TYPE sluice_breaker_consecutive_failures gauge',
    ...breakers.map(
      ({ provider, breaker }) =>
        `sluice_breaker_consecutive_failures{provider="${label(provider)}"} ${breaker.consecutiveFailures}`,
    ),
  );
  return lines;
}

-- Resilient sources: each provider's circuit breaker and Retry-After deadline, its rate-limit grants,
-- and what its calls did (outcomes, latencies), shared by every process.

CREATE TABLE sluice.source_breakers (
  provider text PRIMARY KEY,
  state text NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'half_open')),
  consecutive_failures integer NOT NULL DEFAULT 0,
  -- The failure-rate window (only counted when a breaker declares failureRate).
  window_started_at timestamptz,
  window_requests integer NOT NULL DEFAULT 0,
  window_failures integer NOT NULL DEFAULT 0,
  opened_at timestamptz,
  -- Set while one process holds the half-open probe; compare-and-set on version hands it to exactly one.
  probe_started_at timestamptz,
  changed_at timestamptz NOT NULL DEFAULT now(),
  version bigint NOT NULL DEFAULT 0,
  -- Retry-After: no process calls the upstream before this.
  blocked_until timestamptz
);

-- Sliding-window rate limit: the grant times of the last interval, rewritten under the row lock.
CREATE TABLE sluice.source_rate_limits (
  provider text PRIMARY KEY,
  grants timestamptz[] NOT NULL DEFAULT '{}'
);

CREATE TABLE sluice.source_stats (
  provider text PRIMARY KEY,
  last_success_at timestamptz,
  last_failure_at timestamptz,
  last_failure_message text,
  -- The latest 200 attempt latencies (ms), newest last: percentiles without a table per call.
  latencies_ms integer[] NOT NULL DEFAULT '{}',
  latency_sum_ms double precision NOT NULL DEFAULT 0,
  latency_count bigint NOT NULL DEFAULT 0
);

CREATE TABLE sluice.source_requests (
  provider text NOT NULL,
  outcome text NOT NULL,
  count bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (provider, outcome)
);

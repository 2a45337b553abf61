// How one request to an upstream ended, which outcomes count against its breaker, and latency percentiles.
import { ErrorCode } from './errors.ts';

export const UpstreamOutcome = {
  success: 'success',
  timeout: 'timeout',
  network: 'network_error',
  rateLimited: 'rate_limited',
  serverError: 'server_error',
  clientError: 'client_error',
  /** Answered, but not with data: an HTML page, an error body with HTTP 200, an unreadable format. */
  badResponse: 'bad_response',
  cancelled: 'cancelled',
  /** Never sent: the breaker was open. */
  shortCircuited: 'short_circuited',
} as const;
export type UpstreamOutcome = (typeof UpstreamOutcome)[keyof typeof UpstreamOutcome];

export interface FailureFacts {
  code: string;
  status?: number | undefined;
  retryable?: boolean | undefined;
}

export function classifyFailure(failure: FailureFacts): UpstreamOutcome {
  const { code, status } = failure;
  if (code === ErrorCode.cancelled) return UpstreamOutcome.cancelled;
  if (code === ErrorCode.breakerOpen) return UpstreamOutcome.shortCircuited;
  if (code === ErrorCode.timeout || status === 408) return UpstreamOutcome.timeout;
  if (code === ErrorCode.rateLimited || status === 429) return UpstreamOutcome.rateLimited;
  if (status !== undefined && status >= 500) return UpstreamOutcome.serverError;
  if (status !== undefined && status >= 400) return UpstreamOutcome.clientError;
  if (code === ErrorCode.sourceFormat || code === ErrorCode.upstreamErrorBody)
    return UpstreamOutcome.badResponse;
  if (failure.retryable) return UpstreamOutcome.network;
  return UpstreamOutcome.badResponse;
}

/**
 * Whether an outcome says the upstream is unhealthy. A 4xx for our own request (404 for an
 * unknown base, 400 for a misspelt variable) does not; neither does our own cancellation.
 */
export function countsAgainstBreaker(outcome: UpstreamOutcome): boolean {
  return (
    outcome !== UpstreamOutcome.success &&
    outcome !== UpstreamOutcome.clientError &&
    outcome !== UpstreamOutcome.cancelled &&
    outcome !== UpstreamOutcome.shortCircuited
  );
}

/** Nearest-rank percentile of `values` (0 < p ≤ 100); null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((left, right) => left - right);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

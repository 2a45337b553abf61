// When to try again: exponential backoff with full jitter, Retry-After, and a retry budget against storms.
import type { ResolvedRetry } from './resilience-policy.ts';

/**
 * The wait before retry number `retry` (1 for the first retry): a uniformly random time in
 * [0, min(maxDelayMs, baseDelayMs × 2^(retry-1))] ("full jitter"), so callers that failed
 * together do not come back together.
 */
export function backoffDelay(
  retry: number,
  options: Pick<ResolvedRetry, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Milliseconds a Retry-After header asks to wait: delta-seconds ("120") or an HTTP date.
 * Undefined when absent or unreadable; a date in the past means no wait (0).
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

/**
 * Token-bucket retry throttling (as gRPC does it): a failure costs a token, a success earns
 * `ratio`; retries are allowed only while more than half the tokens remain. While an upstream
 * fails for everyone, retries dry up and each call makes one attempt.
 */
export class RetryBudget {
  readonly #max: number;
  readonly #ratio: number;
  #tokens: number;

  constructor(options: Pick<ResolvedRetry, 'budgetTokens' | 'budgetRatio'>) {
    this.#max = options.budgetTokens;
    this.#ratio = options.budgetRatio;
    this.#tokens = options.budgetTokens;
  }

  get tokens(): number {
    return this.#tokens;
  }

  onSuccess(): void {
    this.#tokens = Math.min(this.#max, this.#tokens + this.#ratio);
  }

  onFailure(): void {
    this.#tokens = Math.max(0, this.#tokens - 1);
  }

  canRetry(): boolean {
    return this.#tokens > this.#max / 2;
  }
}

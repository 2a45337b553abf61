// Per-provider policies (retries, rate and concurrency limits, circuit breaker): options, defaults, env overrides.
import { parseDuration } from './duration.ts';
import { ConfigError } from './errors.ts';
import { assertKnownKeys, optionKeys } from './option-keys.ts';

export interface RetryOptions {
  /** Attempts in all, the first one included. @defaultValue 3 */
  attempts?: number;
  /** The n-th retry waits a random time in [0, min(maxDelayMs, baseDelayMs × 2^(n-1))]. @defaultValue 250 */
  baseDelayMs?: number;
  /** @defaultValue 10000 */
  maxDelayMs?: number;
  /**
   * Longest Retry-After (429, 503) waited for inside one call. A longer one fails the call at once,
   * and every process leaves the provider alone until then. @defaultValue 30000
   */
  maxRetryAfterMs?: number;
  /**
   * Retry budget per provider and process: a failed attempt costs one token, a success earns
   * `budgetRatio`; retries stop while fewer than half of `budgetTokens` remain. @defaultValue 10
   */
  budgetTokens?: number;
  /** @defaultValue 0.1 */
  budgetRatio?: number;
}

export interface RateLimitOptions {
  /** Requests allowed in any interval of length `per`, counted across every process. */
  requests: number;
  /** Milliseconds, or a duration such as '1m'. @defaultValue '1s' */
  per?: number | string;
}

export interface FailureRateOptions {
  /** Share of failed requests (0–1) that opens the breaker. */
  rate: number;
  /** @defaultValue 60 */
  windowS?: number;
  /** Requests in the window before the rate counts. @defaultValue 10 */
  minRequests?: number;
}

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. @defaultValue SLUICE_BREAKER_THRESHOLD, else 5 */
  threshold?: number;
  /** Seconds the breaker stays open before one probe. @defaultValue SLUICE_BREAKER_COOLDOWN_S, else 30 */
  cooldownS?: number;
  /** Also open when this share of the requests in a window failed. */
  failureRate?: FailureRateOptions;
}

/** What an http() source may declare; `false` turns retries or the breaker off. */
export interface ResilienceOptions {
  retry?: RetryOptions | false;
  rateLimit?: RateLimitOptions;
  /** Calls in flight at once, across every process. */
  concurrency?: number;
  breaker?: BreakerOptions | false;
}

export interface ResolvedRetry {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  budgetTokens: number;
  budgetRatio: number;
}

export interface ResolvedRateLimit {
  requests: number;
  intervalMs: number;
}

/**
 * Milliseconds added to a rate limit's interval so that the limit holds where the upstream counts,
 * on arrival, although requests leave after their grant by a varying delay: half of it bounds the
 * grant-to-send delay (a grant older than that is handed back unused), the other half covers the
 * varying time from here to the upstream. A quarter of the interval, within 50 ms to 2 s.
 */
export function rateLimitMarginMs(limit: ResolvedRateLimit): number {
  return Math.min(2000, Math.max(50, Math.round(limit.intervalMs / 4)));
}

/** The window in which at most `requests` grants are given: the interval plus its margin. */
export function grantWindowMs(limit: ResolvedRateLimit): number {
  return limit.intervalMs + rateLimitMarginMs(limit);
}

export interface ResolvedBreaker {
  enabled: boolean;
  threshold: number;
  cooldownMs: number;
  failureRate: { rate: number; windowMs: number; minRequests: number } | undefined;
}

export interface ResiliencePolicy {
  retry: ResolvedRetry;
  rateLimit: ResolvedRateLimit | undefined;
  concurrency: number | undefined;
  breaker: ResolvedBreaker;
}

export const retryDefaults = {
  attempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 30_000,
  budgetTokens: 10,
  budgetRatio: 0.1,
} satisfies ResolvedRetry;

export const breakerDefaults = {
  threshold: 5,
  cooldownS: 30,
  failureRateWindowS: 60,
  failureRateMinRequests: 10,
} as const;

const RATE_LIMIT_DEFAULT_INTERVAL = '1s';

type Env = Readonly<Record<string, string | undefined>>;

function assertNumber(where: string, value: unknown, options: { min: number; integer?: boolean }): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= options.min &&
    (!options.integer || Number.isInteger(value));
  if (!ok) {
    const what = options.integer ? 'a whole number' : 'a number';
    throw new ConfigError(`${where} must be ${what} ≥ ${options.min}, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

function intervalMs(where: string, per: number | string | undefined): number {
  if (typeof per === 'number') return assertNumber(where, per, { min: 1 });
  return parseDuration(where, per ?? RATE_LIMIT_DEFAULT_INTERVAL);
}

export const RESILIENCE_KEYS = optionKeys<ResilienceOptions>({
  retry: true,
  rateLimit: true,
  concurrency: true,
  breaker: true,
});
const RETRY_KEYS = optionKeys<RetryOptions>({
  attempts: true,
  baseDelayMs: true,
  maxDelayMs: true,
  maxRetryAfterMs: true,
  budgetTokens: true,
  budgetRatio: true,
});
const RATE_LIMIT_KEYS = optionKeys<RateLimitOptions>({ requests: true, per: true });
const BREAKER_KEYS = optionKeys<BreakerOptions>({ threshold: true, cooldownS: true, failureRate: true });
const FAILURE_RATE_KEYS = optionKeys<FailureRateOptions>({ rate: true, windowS: true, minRequests: true });

/** Checks what a definition declares, so a typo fails at load time, not on the first call. */
export function assertResilienceOptions(where: string, options: ResilienceOptions): void {
  if (options.retry) assertKnownKeys(`${where}: retry`, options.retry, RETRY_KEYS);
  assertKnownKeys(`${where}: rateLimit`, options.rateLimit, RATE_LIMIT_KEYS);
  if (options.breaker) {
    assertKnownKeys(`${where}: breaker`, options.breaker, BREAKER_KEYS);
    assertKnownKeys(`${where}: breaker.failureRate`, options.breaker.failureRate, FAILURE_RATE_KEYS);
  }
  resolvePolicy(where, options, {});
}

/** Environment variable prefix for one provider: `SLUICE_SOURCE_<NAME>_`, NAME upper-cased, other characters `_`. */
export function providerEnvPrefix(provider: string): string {
  return `SLUICE_SOURCE_${provider.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}

/** A number from the environment, checked and named in the error; undefined when unset or empty. */
export function envNumber(env: Env, name: string, min: number, integer: boolean): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  return assertNumber(name, Number(raw), { min, integer });
}

/** `8/1m`, `100/1s` or `5` (per second) from SLUICE_SOURCE_<NAME>_RATE_LIMIT. */
function envRateLimit(env: Env, name: string): RateLimitOptions | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const [requests, per] = raw.split('/');
  return { requests: assertNumber(name, Number(requests), { min: 1, integer: true }), per: per ?? '1s' };
}

/**
 * The policy a provider runs with. Precedence: per-provider environment
 * (`SLUICE_SOURCE_<NAME>_RETRY_ATTEMPTS`, `_RATE_LIMIT`, `_CONCURRENCY`, `_BREAKER_THRESHOLD`,
 * `_BREAKER_COOLDOWN_S`), then the definition, then SLUICE_BREAKER_THRESHOLD and
 * SLUICE_BREAKER_COOLDOWN_S, then the built-in defaults.
 */
export function resolvePolicy(provider: string, options: ResilienceOptions, env: Env): ResiliencePolicy {
  const where = `source "${provider}"`;
  const prefix = providerEnvPrefix(provider);
  const retryOptions = options.retry === false ? { attempts: 1 } : (options.retry ?? {});
  const retry: ResolvedRetry = { ...retryDefaults };
  for (const key of Object.keys(retryDefaults) as Array<keyof ResolvedRetry>) {
    const value = retryOptions[key];
    if (value === undefined) continue;
    const integer = key === 'attempts' || key === 'budgetTokens';
    retry[key] = assertNumber(`${where}: retry.${key}`, value, { min: key === 'attempts' ? 1 : 0, integer });
  }
  retry.attempts = envNumber(env, `${prefix}RETRY_ATTEMPTS`, 1, true) ?? retry.attempts;

  const rateOptions = envRateLimit(env, `${prefix}RATE_LIMIT`) ?? options.rateLimit;
  const rateLimit = rateOptions
    ? {
        requests: assertNumber(`${where}: rateLimit.requests`, rateOptions.requests, {
          min: 1,
          integer: true,
        }),
        intervalMs: intervalMs(`${where}: rateLimit.per`, rateOptions.per),
      }
    : undefined;

  const concurrency =
    envNumber(env, `${prefix}CONCURRENCY`, 1, true) ??
    (options.concurrency === undefined
      ? undefined
      : assertNumber(`${where}: concurrency`, options.concurrency, { min: 1, integer: true }));

  const breakerOptions = options.breaker === false ? {} : (options.breaker ?? {});
  const threshold =
    envNumber(env, `${prefix}BREAKER_THRESHOLD`, 1, true) ??
    (breakerOptions.threshold === undefined
      ? undefined
      : assertNumber(`${where}: breaker.threshold`, breakerOptions.threshold, { min: 1, integer: true })) ??
    envNumber(env, 'SLUICE_BREAKER_THRESHOLD', 1, true) ??
    breakerDefaults.threshold;
  const cooldownS =
    envNumber(env, `${prefix}BREAKER_COOLDOWN_S`, 0, false) ??
    (breakerOptions.cooldownS === undefined
      ? undefined
      : assertNumber(`${where}: breaker.cooldownS`, breakerOptions.cooldownS, { min: 0 })) ??
    envNumber(env, 'SLUICE_BREAKER_COOLDOWN_S', 0, false) ??
    breakerDefaults.cooldownS;
  const rate = breakerOptions.failureRate;
  const failureRate = rate
    ? {
        rate: assertRate(`${where}: breaker.failureRate.rate`, rate.rate),
        windowMs:
          assertNumber(
            `${where}: breaker.failureRate.windowS`,
            rate.windowS ?? breakerDefaults.failureRateWindowS,
            {
              min: 1,
            },
          ) * 1000,
        minRequests: assertNumber(
          `${where}: breaker.failureRate.minRequests`,
          rate.minRequests ?? breakerDefaults.failureRateMinRequests,
          { min: 1, integer: true },
        ),
      }
    : undefined;
  return {
    retry,
    rateLimit,
    concurrency,
    breaker: { enabled: options.breaker !== false, threshold, cooldownMs: cooldownS * 1000, failureRate },
  };
}

function assertRate(where: string, value: unknown): number {
  const rate = assertNumber(where, value, { min: 0 });
  if (rate <= 0 || rate > 1) throw new ConfigError(`${where} must be above 0 and at most 1, got ${rate}`);
  return rate;
}

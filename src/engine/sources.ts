// Source providers and their shared state: breaker, Retry-After, call stats and rate-limit use of
// each, and the operator's breaker reset; what `sluice sources` and /api/sources show.
import { type BreakerRecord, BreakerState, closedBreaker, nextProbeAt } from '../domain/circuit-breaker.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { ResolvedPipeline } from '../domain/pipeline-definition.ts';
import { parseStateName, providerStateKey, providerStateName } from '../domain/provider-scope.ts';
import { type ResiliencePolicy, resolvePolicy } from '../domain/resilience-policy.ts';
import { type ProviderDefinition, sourceProviders } from '../domain/source-definition.ts';
import { percentile } from '../domain/upstream-outcome.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** A provider's stored breaker and the deadline its upstream asked for (Retry-After). */
export interface StoredBreaker {
  provider: string;
  breaker: BreakerRecord;
  blockedUntil: Date | null;
}

/** What a provider's calls did, shared by every process. */
export interface SourceStats {
  provider: string;
  lastSuccessAt: Date | null;
  lastFailureAt: Date | null;
  lastFailureMessage: string | null;
  latenciesMs: number[];
  latencySumMs: number;
  latencyCount: number;
  /** Cumulative: the calls whose latency was at or under each bound (seconds), over all calls. */
  latencyBuckets: { le: number; count: number }[];
  /** Calls by outcome, short-circuited ones included. */
  requests: Record<string, number>;
}

export interface SourceStatus {
  /** What operators see and reset: the provider's name, or `name[scope]` for one scope's state. */
  name: string;
  /** The declared provider this state belongs to. */
  provider: string;
  /** The rendered scope (see http()'s `scope`), or null for the provider's unscoped state. */
  scope: string | null;
  /** `unknown` for a provider with stored state that the current config no longer declares. */
  kind: ProviderDefinition['kind'] | 'unknown';
  pipelines: string[];
  breaker: {
    enabled: boolean;
    state: BreakerState;
    consecutiveFailures: number;
    openedAt: string | null;
    nextProbeAt: string | null;
    changedAt: string | null;
    threshold: number;
    cooldownS: number;
  } | null;
  /** The upstream asked (Retry-After) not to be called before this. */
  blockedUntil: string | null;
  lastSuccess: { at: string } | null;
  lastFailure: { at: string; message: string } | null;
  /** Over the latest attempts (up to 200), until the first records or the failure. */
  latencyMs: {
    p50: number | null;
    p90: number | null;
    p95: number | null;
    p99: number | null;
    samples: number;
  };
  /** Calls by outcome since the database was created; `short_circuited` ones never went out. */
  requests: Record<string, number>;
  rateLimit: { requests: number; intervalMs: number; used: number } | null;
  concurrency: number | null;
}

export interface ResetResult {
  provider: string;
  previousState: BreakerState;
  state: BreakerState;
}

export interface SourceStateStore {
  /** Every provider with a stored breaker, by name. */
  listBreakers(): Promise<StoredBreaker[]>;
  /** Every provider with stored stats, by name. */
  listStats(): Promise<SourceStats[]>;
  /** Grants within the last interval (ms) of each provider given and of each of its scopes, by state key. */
  rateLimitUsage(intervals: ReadonlyMap<string, number>): Promise<Map<string, number>>;
  /**
   * Closes the breaker and clears its Retry-After deadline, publishing the change; the state it
   * had, or undefined when the provider never had a breaker row.
   */
  resetBreaker(provider: string, now: Date, actor: string): Promise<BreakerState | undefined>;
}

export interface SourcesPorts {
  store: SourceStateStore;
  pipelines: () => Iterable<ResolvedPipeline>;
  /** SLUICE_* overrides of resilience policies, as the settings parsed them. */
  env: Env;
  /** Scrubs secret values from stored failure messages. */
  redact: (text: string) => string;
}

export interface Sources {
  list(now: Date): Promise<SourceStatus[]>;
  /** Closes a provider's breaker (and clears its Retry-After deadline); NotFoundError for an unknown name. */
  reset(name: string, now: Date, actor: string): Promise<ResetResult>;
}

interface Declared {
  provider: ProviderDefinition;
  pipelines: string[];
  policy: ResiliencePolicy | undefined;
}

/** Providers as the config declares them; a name used twice keeps the first definition's policy. */
function declaredProviders(pipelines: Iterable<ResolvedPipeline>, env: Env): Map<string, Declared> {
  const declared = new Map<string, Declared>();
  for (const pipeline of pipelines) {
    for (const provider of sourceProviders(pipeline.source)) {
      const known = declared.get(provider.name);
      if (known) {
        if (!known.pipelines.includes(pipeline.name)) known.pipelines.push(pipeline.name);
        continue;
      }
      const policy =
        provider.kind === 'http' ? resolvePolicy(provider.name, provider.resilience, env) : undefined;
      declared.set(provider.name, { provider, pipelines: [pipeline.name], policy });
    }
  }
  return declared;
}

const isScoped = (provider: ProviderDefinition) => provider.kind === 'http' && provider.scope !== undefined;

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

export function createSources(ports: SourcesPorts): Sources {
  const { store } = ports;

  const list = async (now: Date): Promise<SourceStatus[]> => {
    const declared = declaredProviders(ports.pipelines(), ports.env);
    const breakers = new Map((await store.listBreakers()).map((entry) => [entry.provider, entry]));
    const stats = new Map((await store.listStats()).map((entry) => [entry.provider, entry]));
    const intervals = new Map<string, number>();
    for (const [name, entry] of declared) {
      if (entry.policy?.rateLimit) intervals.set(name, entry.policy.rateLimit.intervalMs);
    }
    const usage = await store.rateLimitUsage(intervals);
    const keys = new Set([...breakers.keys(), ...stats.keys(), ...usage.keys()]);
    const states = [...keys].map((key) => ({ key, ...parseStateName(key, declared.keys()) }));
    // A scoped provider is listed by its scopes; by its bare name only until one of them has state.
    for (const [name, entry] of declared) {
      const hasScopes = states.some((state) => state.provider === name && state.scope !== undefined);
      if (!keys.has(name) && !(isScoped(entry.provider) && hasScopes))
        states.push({ key: name, provider: name, scope: undefined });
    }
    states.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return states.map(({ key, provider, scope }) => {
      const entry = declared.get(provider);
      const stored = breakers.get(key);
      const stat = stats.get(key);
      const name = providerStateName(provider, scope);
      const policy = entry?.policy;
      const hasBreaker = entry === undefined ? stored !== undefined : entry.provider.kind === 'http';
      const record = stored?.breaker ?? closedBreaker(now);
      const probeAt = policy ? nextProbeAt(record, policy.breaker) : null;
      const blocked = stored?.blockedUntil && stored.blockedUntil > now ? stored.blockedUntil : null;
      return {
        name,
        provider,
        scope: scope ?? null,
        kind: entry?.provider.kind ?? 'unknown',
        pipelines: entry?.pipelines ?? [],
        breaker: hasBreaker
          ? {
              enabled: policy?.breaker.enabled ?? true,
              state: record.state,
              consecutiveFailures: record.consecutiveFailures,
              openedAt: record.state === BreakerState.closed ? null : iso(record.openedAt),
              nextProbeAt: iso(probeAt),
              changedAt: stored ? iso(record.changedAt) : null,
              threshold: policy?.breaker.threshold ?? 0,
              cooldownS: (policy?.breaker.cooldownMs ?? 0) / 1000,
            }
          : null,
        blockedUntil: iso(blocked),
        lastSuccess: stat?.lastSuccessAt ? { at: stat.lastSuccessAt.toISOString() } : null,
        lastFailure: stat?.lastFailureAt
          ? { at: stat.lastFailureAt.toISOString(), message: ports.redact(stat.lastFailureMessage ?? '') }
          : null,
        latencyMs: {
          p50: percentile(stat?.latenciesMs ?? [], 50),
          p90: percentile(stat?.latenciesMs ?? [], 90),
          p95: percentile(stat?.latenciesMs ?? [], 95),
          p99: percentile(stat?.latenciesMs ?? [], 99),
          samples: stat?.latenciesMs.length ?? 0,
        },
        requests: stat?.requests ?? {},
        rateLimit: policy?.rateLimit ? { ...policy.rateLimit, used: usage.get(key) ?? 0 } : null,
        concurrency: policy?.concurrency ?? null,
      };
    });
  };

  const reset = async (name: string, now: Date, actor: string): Promise<ResetResult> => {
    const declared = declaredProviders(ports.pipelines(), {});
    // `pioupiou[annecy]` as listed, or the stored key `pioupiou|annecy`.
    const state = parseStateName(name, declared.keys());
    const shown = providerStateName(state.provider, state.scope);
    const previous = await store.resetBreaker(providerStateKey(state.provider, state.scope), now, actor);
    if (previous === undefined) {
      const provider = declared.get(state.provider)?.provider;
      if (provider?.kind !== 'http') {
        const known = [...declared.values()]
          .filter((entry) => entry.provider.kind === 'http')
          .map((entry) => entry.provider.name);
        throw new NotFoundError(
          `no source provider with a breaker is named "${name}" (known: ${known.join(', ') || 'none'})`,
        );
      }
    }
    return { provider: shown, previousState: previous ?? BreakerState.closed, state: BreakerState.closed };
  };

  return { list, reset };
}

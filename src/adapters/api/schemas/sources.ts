// What the source routes answer: each provider's breaker, stats and limits, and a breaker reset.
import { z } from 'zod';
import { BreakerState } from '../../../domain/circuit-breaker.ts';
import { instant } from './problem.ts';

const breakerStateSchema = z.enum(Object.values(BreakerState) as [BreakerState, ...BreakerState[]]);

export const sourceListSchema = z.object({
  sources: z.array(
    z.object({
      name: z
        .string()
        .describe('the provider, or `provider[scope]` for one scope of a scoped provider; what reset takes'),
      provider: z.string(),
      scope: z.string().nullable().describe('the rendered scope, null for the provider’s unscoped state'),
      kind: z
        .string()
        .describe('files, http, static, asyncJob; unknown for state of a provider no longer declared'),
      pipelines: z.array(z.string()),
      breaker: z
        .object({
          enabled: z.boolean(),
          state: breakerStateSchema,
          consecutiveFailures: z.number().int(),
          openedAt: instant.nullable(),
          nextProbeAt: instant.nullable(),
          changedAt: instant.nullable(),
          threshold: z.number().int(),
          cooldownS: z.number(),
        })
        .nullable()
        .describe('null for providers without a breaker (not http)'),
      blockedUntil: instant.nullable().describe('the upstream’s Retry-After deadline'),
      lastSuccess: z.object({ at: instant }).nullable(),
      lastFailure: z.object({ at: instant, message: z.string() }).nullable(),
      latencyMs: z
        .object({
          p50: z.number().nullable(),
          p90: z.number().nullable(),
          p95: z.number().nullable(),
          p99: z.number().nullable(),
          samples: z.number().int(),
        })
        .describe('nearest-rank percentiles over the latest attempts (up to 200), in ms'),
      requests: z.record(z.string(), z.number()).describe('calls by outcome since the database was created'),
      rateLimit: z
        .object({ requests: z.number().int(), intervalMs: z.number(), used: z.number().int() })
        .nullable()
        .describe('the declared limit and the grants within its last interval, all processes counted'),
      concurrency: z.number().int().nullable(),
    }),
  ),
});

export const sourceResetSchema = z.object({
  provider: z.string(),
  previousState: breakerStateSchema,
  state: breakerStateSchema,
});

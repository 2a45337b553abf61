// The sources and status sections against in-memory ports: declared and stored providers merged,
// secrets scrubbed, an unknown breaker refused; readiness answering with the problem it names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BreakerState, closedBreaker } from '../domain/circuit-breaker.ts';
import type { ResolvedPipeline, SluiceConfig } from '../domain/pipeline-definition.ts';
import { fallback, http } from '../domain/source-definition.ts';
import { createSources, type SourceStateStore } from './sources.ts';
import { createStatus, type StatusStore } from './status.ts';

const NOW = new Date('2026-03-03T03:00:00Z');
const pipeline = {
  name: 'fx_latest',
  into: { name: 'fx' },
  source: fallback(
    http({ url: 'http://127.0.0.1/a', name: 'primary' }),
    http({ url: 'http://127.0.0.1/b', name: 'secondary' }),
  ),
} as unknown as ResolvedPipeline;

function sourcesWith(resets: Map<string, BreakerState>) {
  const store: SourceStateStore = {
    listBreakers: async () => [
      {
        provider: 'gone',
        breaker: { ...closedBreaker(NOW), state: BreakerState.open, openedAt: NOW },
        blockedUntil: null,
      },
    ],
    listStats: async () => [
      {
        provider: 'primary',
        lastSuccessAt: null,
        lastFailureAt: NOW,
        lastFailureMessage: 'HTTP 401 for key s3cret',
        latenciesMs: [10, 20, 30],
        latencySumMs: 60,
        latencyCount: 3,
        latencyBuckets: [{ le: 0.05, count: 3 }],
        requests: { server_error: 3 },
      },
    ],
    rateLimitUsage: async () => new Map(),
    resetBreaker: async (provider) => resets.get(provider),
  };
  return createSources({
    store,
    pipelines: () => [pipeline],
    env: {},
    redact: (text) => text.replaceAll('s3cret', '[redacted]'),
  });
}

describe('createSources', () => {
  it('lists declared providers and stored ones the config no longer declares, by name', async () => {
    const sources = await sourcesWith(new Map()).list(NOW);
    assert.deepEqual(
      sources.map((source) => [source.name, source.kind, source.breaker?.state ?? null, source.pipelines]),
      [
        ['gone', 'unknown', 'open', []],
        ['primary', 'http', 'closed', ['fx_latest']],
        ['secondary', 'http', 'closed', ['fx_latest']],
      ],
    );
    const primary = sources.find((source) => source.name === 'primary')!;
    assert.equal(primary.lastFailure?.message, 'HTTP 401 for key [redacted]');
    // Nearest rank over the kept latencies: the dashboard shows p50/p95/p99, the CLI p50/p90/p99.
    assert.deepEqual(primary.latencyMs, { p50: 20, p90: 30, p95: 30, p99: 30, samples: 3 });
  });

  it('resets a declared breaker even without a stored row, and refuses an unknown name', async () => {
    const sources = sourcesWith(new Map([['primary', BreakerState.open]]));
    assert.deepEqual(await sources.reset('primary', NOW, 'cli'), {
      provider: 'primary',
      previousState: 'open',
      state: 'closed',
    });
    assert.equal((await sources.reset('secondary', NOW, 'cli')).previousState, 'closed');
    await assert.rejects(
      sources.reset('nope', NOW, 'cli'),
      /no source provider with a breaker is named "nope" \(known: primary, secondary\)/,
    );
  });
});

describe('createStatus', () => {
  const config = { datasets: new Map(), pipelines: new Map() } as unknown as SluiceConfig;
  const statusWith = (store: Partial<StatusStore>) =>
    createStatus({
      store: {
        ping: async () => {},
        pendingMigrations: async () => [],
        datasetStats: async () => [],
        runsByStatus: async () => ({}),
        lastRunPerPipeline: async () => [],
        ...store,
      },
      metrics: { snapshot: async () => assert.fail('not read') },
      project: { path: '/p/sluice.config.ts', baseDir: '/p', config, schema: 'public' },
      database: { kind: 'pglite', location: '/p/.sluice' },
    });

  it('is ready when the database answers and every migration is applied', async () => {
    assert.deepEqual(await statusWith({}).readiness(), { ready: true, database: 'pglite' });
    assert.deepEqual(
      await statusWith({
        ping: async () => {
          throw new Error('connection refused');
        },
      }).readiness(),
      { ready: false, code: 'database_unreachable', message: 'connection refused' },
    );
    assert.deepEqual(await statusWith({ pendingMigrations: async () => ['0012_sql_surface'] }).readiness(), {
      ready: false,
      code: 'migrations_pending',
      message: 'pending migrations: 0012_sql_surface',
    });
  });
});

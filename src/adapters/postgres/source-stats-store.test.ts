// Upstream latency buckets: counted by recordAttempt's statement, cumulative per bound, and seeded by
// migration 0014 from the latencies a provider kept, on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testBackends } from '../../../test/support/databases.ts';
import { UpstreamOutcome } from '../../domain/upstream-outcome.ts';
import { migrate } from './migrate.ts';
import { listSourceStats, recordAttempt, UPSTREAM_LATENCY_BUCKETS } from './source-stats-store.ts';

const AT = new Date('2026-01-05T10:00:00Z');

// Cumulative counts keyed by bound, as they read on /metrics.
const byBound = (counts: readonly number[]) =>
  UPSTREAM_LATENCY_BUCKETS.map((le, i) => ({ le, count: counts[i] }));

for (const backend of await testBackends()) {
  describe(`source stats on ${backend.kind}`, { skip: backend.skip }, () => {
    it('counts each timed call in every bucket at or above its latency, and a short-circuited one in none', async () => {
      const { db, close } = await backend.open();
      try {
        await migrate(db);
        const calls = [
          { outcome: UpstreamOutcome.success, latencyMs: 30 },
          { outcome: UpstreamOutcome.success, latencyMs: 300 },
          { outcome: UpstreamOutcome.serverError, latencyMs: 1000, message: 'HTTP 503' },
          { outcome: UpstreamOutcome.timeout, latencyMs: 70_000, message: 'timed out' },
          { outcome: UpstreamOutcome.shortCircuited },
        ];
        for (const call of calls) await recordAttempt(db, 'obs', { at: AT, ...call });
        const [stats] = await listSourceStats(db);
        assert.equal(stats?.latencyCount, 4);
        // 0.05 0.1 0.25 0.5 1 2.5 5 10 30 60; the 70 s call is only in +Inf (latencyCount).
        assert.deepEqual(stats?.latencyBuckets, byBound([1, 1, 1, 2, 3, 3, 3, 3, 3, 3]));
        assert.equal(stats?.requests.short_circuited, 1);
      } finally {
        await close();
      }
    });

    it('0014 seeds the buckets of existing providers from the latencies they kept', async () => {
      const { db, close } = await backend.open();
      try {
        assert.equal((await migrate(db, { through: 13 })).at(-1), '0013_dashboard_sessions');
        await db.query(
          `INSERT INTO sluice.source_stats (provider, latencies_ms, latency_sum_ms, latency_count)
           VALUES ('obs', '{10,60,3000,70000}', 73070, 4), ('idle', '{}', 0, 0)`,
        );
        await migrate(db);
        const stats = new Map((await listSourceStats(db)).map((entry) => [entry.provider, entry]));
        assert.deepEqual(stats.get('obs')?.latencyBuckets, byBound([1, 2, 2, 2, 2, 2, 3, 3, 3, 3]));
        assert.deepEqual(stats.get('idle')?.latencyBuckets, byBound([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
        // Later calls add to the seeded counts.
        await recordAttempt(db, 'obs', { outcome: UpstreamOutcome.success, at: AT, latencyMs: 80 });
        const [idle, obs] = await listSourceStats(db);
        assert.equal(idle?.provider, 'idle');
        assert.deepEqual(obs?.latencyBuckets, byBound([1, 3, 3, 3, 3, 3, 4, 4, 4, 4]));
        assert.equal(obs?.latencyCount, 5);
      } finally {
        await close();
      }
    });
  });
}

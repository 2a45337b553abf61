// One contract for every ProviderStore: in memory, and shared in PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../../src/adapters/postgres/database.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { createSharedProviderStore } from '../../src/adapters/postgres/shared-provider-store.ts';
import { createMemoryProviderStore, type ProviderStore } from '../../src/adapters/sources/provider-store.ts';
import { closedBreaker, recordFailure } from '../../src/domain/circuit-breaker.ts';
import { grantWindowMs, resolvePolicy } from '../../src/domain/resilience-policy.ts';
import { testBackends } from '../support/databases.ts';

const T0 = new Date('2026-03-02T10:00:00Z');
const policy = resolvePolicy('p', { breaker: { threshold: 1 } }, {}).breaker;

interface Subject {
  kind: string;
  skip: string | false;
  /** Whether concurrency slots are shared by this store (PGlite leaves them to the process). */
  sharedSlots: boolean;
  open(): Promise<{ store: ProviderStore; db: Database | undefined; close(): Promise<void> }>;
}

const subjects: Subject[] = [
  {
    kind: 'memory',
    skip: false,
    sharedSlots: true,
    open: async () => ({ store: createMemoryProviderStore(), db: undefined, close: async () => {} }),
  },
  ...(await testBackends()).map((backend) => ({
    kind: backend.kind,
    skip: backend.skip,
    sharedSlots: backend.kind === 'postgres',
    async open() {
      const database = await backend.open();
      await migrate(database.db);
      return {
        store: createSharedProviderStore(database.db, database.db),
        db: database.db,
        close: database.close,
      };
    },
  })),
];

for (const subject of subjects) {
  describe(`provider store: ${subject.kind}`, { skip: subject.skip }, () => {
    let store: ProviderStore;
    let db: Database | undefined;
    let close: () => Promise<void>;
    before(async () => {
      ({ store, db, close } = await subject.open());
    });
    after(() => close());

    it('starts closed, and of two writers from the same version exactly one lands (and publishes once)', async () => {
      const { breaker, blockedUntil } = await store.read('p', T0);
      assert.deepEqual(breaker, closedBreaker(T0));
      assert.equal(blockedUntil, null);
      const { next } = recordFailure(breaker, policy, T0);
      assert.equal(next.state, 'open');
      const landed = await Promise.all([
        store.replaceBreaker('p', breaker, next, 'one'),
        store.replaceBreaker('p', breaker, next, 'two'),
      ]);
      assert.deepEqual(landed.sort(), [false, true]);
      const stored = (await store.read('p', T0)).breaker;
      assert.equal(stored.state, 'open');
      assert.equal(stored.version, 1);
      assert.equal(stored.openedAt?.toISOString(), T0.toISOString());
      assert.equal(await store.replaceBreaker('p', breaker, next, 'stale'), false);
      if (db) {
        const { rows } = await db.query<{ type: string }>(
          `SELECT type FROM sluice.events WHERE type LIKE 'breaker:%'`,
        );
        assert.deepEqual(
          rows.map((row) => row.type),
          ['breaker:opened'],
        );
      }
    });

    it('moves a Retry-After deadline later, never earlier', async () => {
      const later = new Date(T0.getTime() + 60_000);
      await store.blockUntil('q', later);
      await store.blockUntil('q', T0);
      assert.equal((await store.read('q', T0)).blockedUntil?.toISOString(), later.toISOString());
    });

    it('grants at most `requests` per interval plus its margin and says how long to wait', async () => {
      // A long interval for the refusal, so a stalled machine cannot let the first grant expire
      // before the third request; a short one to see a grant free again once its window passed.
      const limit = { requests: 2, intervalMs: 60_000 };
      const windowMs = grantWindowMs(limit);
      assert.equal((await store.takeRequest('r', limit)).granted, true);
      assert.equal((await store.takeRequest('r', limit)).granted, true);
      const refused = await store.takeRequest('r', limit);
      assert.ok(
        !refused.granted && refused.waitMs > 50_000 && refused.waitMs <= windowMs,
        JSON.stringify(refused),
      );
      const short = { requests: 1, intervalMs: 200 };
      assert.equal((await store.takeRequest('r-short', short)).granted, true);
      await sleep(grantWindowMs(short) + 10);
      assert.equal((await store.takeRequest('r-short', short)).granted, true);
    });

    it('forgets a grant handed back unused, and only that one', async () => {
      const limit = { requests: 2, intervalMs: 60_000 };
      const first = await store.takeRequest('back', limit);
      const second = await store.takeRequest('back', limit);
      assert.ok(first.granted && second.granted);
      assert.equal((await store.takeRequest('back', limit)).granted, false);
      await store.returnRequest('back', second.at);
      assert.equal((await store.takeRequest('back', limit)).granted, true, 'the returned one is free again');
      assert.equal((await store.takeRequest('back', limit)).granted, false, 'the first one still counts');
    });

    it('holds concurrency slots until released', {
      skip: !subject.sharedSlots && 'PGlite is one process',
    }, async () => {
      const first = await store.tryHoldSlot('s', 1);
      assert.ok(first);
      assert.equal(await store.tryHoldSlot('s', 1), undefined);
      const other = await store.tryHoldSlot('s', 2);
      assert.ok(other, 'a higher limit has a free slot');
      await other();
      await first();
      await first();
      const again = await store.tryHoldSlot('s', 1);
      assert.ok(again, 'a released slot is free again (releasing twice is harmless)');
      await again();
    });
  });
}

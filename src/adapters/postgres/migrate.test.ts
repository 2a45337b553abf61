// Migrations that change stored data, run on a schema built up to the version before them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../../../test/support/databases.ts';
import type { Database } from './database.ts';
import { loadMigrations, migrate, pendingMigrations } from './migrate.ts';

const RUN_1 = '00000000-0000-4000-8000-000000000001';
const RUN_2 = '00000000-0000-4000-8000-000000000002';
const RUN_3 = '00000000-0000-4000-8000-000000000003';
const REPLAY = '00000000-0000-4000-8000-0000000000ff';

interface OldRow {
  run: string;
  dataset?: string;
  raw: string | null;
  origin: string | null;
  issues: string;
  at: string;
  stage?: string;
  replayedAt?: string;
}

interface MigratedRow {
  id: number;
  dataset: string;
  origin: { file?: string; url?: string; line?: number } | null;
  occurrences: number;
  created_at: Date;
  last_seen_at: Date;
  last_run_id: string;
  run_id: string;
  issues: Array<{ code: string }>;
  replayed_at: Date | null;
  replay_run_id: string | null;
  raw_kept: boolean;
  record: unknown;
  output_index: number;
}

for (const backend of await testBackends()) {
  describe(`migrations on ${backend.kind}`, { skip: backend.skip }, () => {
    let db: Database;
    let close: () => Promise<void>;

    before(async () => {
      ({ db, close } = await backend.open());
    });
    after(() => close());

    it('0011 collapses duplicate quarantine rows into the oldest, counting every occurrence', async () => {
      assert.equal((await migrate(db, { through: 10 })).at(-1), '0010_run_wide_writes');
      for (const id of [RUN_1, RUN_2, RUN_3]) {
        await db.query(
          `INSERT INTO sluice.runs (id, pipeline, dataset, status) VALUES ($1, 'obs', 'obs', 'partial')`,
          [id],
        );
      }
      const file = (line: number, provider = 'local') => JSON.stringify({ provider, file: 'a.csv', line });
      const rows: OldRow[] = [
        // One record refused by three runs; jsonb ignores key order and the provider is not its identity.
        {
          run: RUN_1,
          raw: '{"t": "warm", "s": "a"}',
          origin: file(4),
          issues: '[{"code":"one"}]',
          at: '2025-01-01T00:00:00Z',
        },
        {
          run: RUN_2,
          raw: '{"s": "a", "t": "warm"}',
          origin: file(4, 'mirror'),
          issues: '[{"code":"two"}]',
          at: '2025-01-02T00:00:00Z',
        },
        {
          run: RUN_3,
          raw: '{"t":"warm","s":"a"}',
          origin: file(4),
          issues: '[{"code":"three"}]',
          at: '2025-01-03T00:00:00Z',
          replayedAt: '2025-01-04T00:00:00Z',
        },
        // The same value on another line, in another dataset, or as a different value: rows of their own.
        {
          run: RUN_1,
          raw: '{"t": "warm", "s": "a"}',
          origin: file(5),
          issues: '[{"code":"line5"}]',
          at: '2025-01-01T00:00:00Z',
        },
        {
          run: RUN_1,
          dataset: 'other',
          raw: '{"t": "warm", "s": "a"}',
          origin: file(4),
          issues: '[]',
          at: '2025-01-01T00:00:00Z',
        },
        {
          run: RUN_2,
          raw: '{"t": "cold", "s": "a"}',
          origin: file(4),
          issues: '[]',
          at: '2025-01-02T00:00:00Z',
        },
        // A read reject with no value and an item with no origin repeat too.
        {
          run: RUN_1,
          raw: null,
          origin: '{"provider":"api","url":"http://x/1"}',
          issues: '[]',
          at: '2025-01-01T00:00:00Z',
          stage: 'read',
        },
        {
          run: RUN_2,
          raw: null,
          origin: '{"provider":"api","url":"http://x/1"}',
          issues: '[]',
          at: '2025-01-02T00:00:00Z',
          stage: 'read',
        },
        {
          run: RUN_1,
          raw: '"x,y"',
          origin: null,
          issues: '[]',
          at: '2025-01-01T00:00:00Z',
          stage: 'transform',
        },
        {
          run: RUN_3,
          raw: '"x,y"',
          origin: null,
          issues: '[]',
          at: '2025-01-03T00:00:00Z',
          stage: 'transform',
        },
      ];
      for (const row of rows) {
        await db.query(
          `INSERT INTO sluice.quarantine (run_id, pipeline, dataset, raw, issues, origin, created_at, stage,
                                          replayed_at, replay_run_id)
           VALUES ($1, 'obs', $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $7, $8, $9)`,
          [
            row.run,
            row.dataset ?? 'obs',
            row.raw,
            row.issues,
            row.origin,
            row.at,
            row.stage ?? 'validate',
            row.replayedAt ?? null,
            row.replayedAt ? REPLAY : null,
          ],
        );
      }

      const later = (await loadMigrations()).filter((m) => m.version > 10).map((m) => m.name);
      assert.deepEqual(await migrate(db, { through: 11 }), ['0011_quarantine_identity']);

      const { rows: stored } = await db.query<MigratedRow>(
        `SELECT id::int, dataset, origin, occurrences::int, created_at, last_seen_at, last_run_id, run_id, issues,
                replayed_at, replay_run_id, raw_kept, record, output_index
           FROM sluice.quarantine ORDER BY id`,
      );
      assert.equal(
        stored.length,
        6,
        'ten rows: three sightings of one record and two repeated pairs collapse',
      );
      const [kept, line5, other, cold, read, noOrigin] = [
        stored.find((r) => r.issues[0]?.code === 'three'),
        stored.find((r) => r.origin?.line === 5),
        stored.find((r) => r.dataset === 'other'),
        stored.find((r) => (r.record as { t?: string } | null)?.t === 'cold'),
        stored.find((r) => r.origin?.url === 'http://x/1'),
        stored.find((r) => r.origin === null),
      ];
      assert.ok(kept && line5 && other && cold && read && noOrigin);
      assert.equal(kept.id, 1, 'the oldest row is kept');
      assert.deepEqual(
        {
          occurrences: kept.occurrences,
          created_at: kept.created_at.toISOString(),
          last_seen_at: kept.last_seen_at.toISOString(),
          run_id: kept.run_id,
          last_run_id: kept.last_run_id,
          replayed_at: kept.replayed_at?.toISOString(),
          replay_run_id: kept.replay_run_id,
          raw_kept: kept.raw_kept,
          record: kept.record,
          output_index: kept.output_index,
        },
        {
          occurrences: 3,
          created_at: '2025-01-01T00:00:00.000Z',
          last_seen_at: '2025-01-03T00:00:00.000Z',
          run_id: RUN_1,
          last_run_id: RUN_3,
          replayed_at: '2025-01-04T00:00:00.000Z',
          replay_run_id: REPLAY,
          // A validate reject kept the transform output as raw: it becomes the record.
          raw_kept: false,
          record: { s: 'a', t: 'warm' },
          output_index: -1,
        },
      );
      for (const single of [line5, other, cold]) {
        assert.equal(single.occurrences, 1);
        assert.equal(single.last_seen_at.toISOString(), single.created_at.toISOString());
        assert.equal(single.last_run_id, single.run_id);
      }
      assert.deepEqual(
        [read, noOrigin].map((r) => [r.occurrences, r.last_seen_at.toISOString(), r.last_run_id, r.raw_kept]),
        [
          [2, '2025-01-02T00:00:00.000Z', RUN_2, true],
          [2, '2025-01-03T00:00:00.000Z', RUN_3, true],
        ],
      );

      // What is left is unique on the new identity, and the rest of the migrations apply on top.
      await assert.rejects(
        db.query(
          `INSERT INTO sluice.quarantine (run_id, last_run_id, pipeline, dataset, raw, issues, origin, origin_key, raw_hash)
           SELECT run_id, last_run_id, pipeline, dataset, raw, issues, origin, origin_key, raw_hash
             FROM sluice.quarantine WHERE id = 1`,
        ),
        /duplicate key|unique/,
      );
      assert.deepEqual(await migrate(db), later.slice(1));
      assert.deepEqual(await pendingMigrations(db), []);
    });
  });
}

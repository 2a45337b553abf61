// Dataset tables and batched writes on PGlite and PostgreSQL: counts come from the database.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { testBackends } from '../../../test/support/databases.ts';
import { dataset } from '../../domain/dataset-definition.ts';
import { validateRecord } from '../../domain/record-validation.ts';
import type { Database } from './database.ts';
import { ensureDatasetTables } from './dataset-tables.ts';
import { createDatasetWriter } from './dataset-writer.ts';
import { migrate } from './migrate.ts';
import { createRunStore } from './run-store.ts';

const readings = dataset('readings', {
  schema: z.object({
    station: z.string(),
    observed_at: z.coerce.date(),
    temperature: z.number().nullable(),
    count: z.int().optional(),
    ok: z.boolean().default(true),
    day: z.iso.date().optional(),
    extra: z.object({ a: z.number() }).optional(),
  }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
  write: 'merge',
});

function rows(records: unknown[]) {
  return records.map((record) => {
    const result = validateRecord(readings, record);
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return result.row;
  });
}

const RUN_1 = '00000000-0000-4000-8000-000000000001';
const RUN_2 = '00000000-0000-4000-8000-000000000002';
const meta = { runId: RUN_1, provider: 'test' };

for (const backend of await testBackends()) {
  describe(`dataset store on ${backend.kind}`, { skip: backend.skip }, () => {
    let db: Database;
    let close: () => Promise<void>;
    before(async () => {
      const opened = await backend.open();
      db = opened.db;
      close = opened.close;
      await migrate(db);
      await db.transaction((tx) => ensureDatasetTables(tx, [readings]));
      const runs = createRunStore(db);
      for (const id of [RUN_1, RUN_2]) {
        await runs.start({ id, pipeline: 'p', dataset: 'readings', trigger: 'test', startedAt: new Date() });
      }
    });
    after(() => close());

    it('creates a typed table with a primary key on the key and an index on time', async () => {
      const { rows: columns } = await db.query<{
        column_name: string;
        data_type: string;
        is_nullable: string;
      }>(
        `SELECT column_name, data_type, is_nullable FROM information_schema.columns
          WHERE table_schema = 'public' AND table_name = 'readings' ORDER BY ordinal_position`,
      );
      const types = Object.fromEntries(
        columns.map((c) => [c.column_name, `${c.data_type}/${c.is_nullable}`]),
      );
      assert.deepEqual(types, {
        station: 'text/NO',
        observed_at: 'timestamp with time zone/NO',
        temperature: 'double precision/YES',
        count: 'bigint/YES',
        ok: 'boolean/NO',
        day: 'date/YES',
        extra: 'jsonb/YES',
        _run_id: 'uuid/YES',
        _provider: 'text/YES',
        _first_seen_at: 'timestamp with time zone/NO',
        _last_changed_at: 'timestamp with time zone/NO',
      });
      const { rows: indexes } = await db.query<{ indexdef: string }>(
        `SELECT indexdef FROM pg_indexes WHERE tablename = 'readings' ORDER BY indexname`,
      );
      assert.ok(indexes.some((i) => /UNIQUE INDEX .* \(station, observed_at\)/.test(i.indexdef)));
      assert.ok(indexes.some((i) => /INDEX readings_time_idx .* \(observed_at\)/.test(i.indexdef)));
    });

    it('inserts, then reports unchanged, then updates only changed rows', async () => {
      const writer = createDatasetWriter(db, 'public', readings);
      const batch = [
        { station: 'a', observed_at: '2024-10-05T00:00:00Z', temperature: 7.5, count: 3, extra: { a: 1 } },
        { station: 'a', observed_at: '2024-10-05T01:00:00Z', temperature: null, day: '2024-10-05' },
        { station: 'b', observed_at: '2024-10-05T00:00:00Z', temperature: -1.25, ok: false },
      ];
      assert.deepEqual(await writer.write(rows(batch), meta), {
        inserted: 3,
        updated: 0,
        unchanged: 0,
        duplicateKeys: 0,
      });
      assert.deepEqual(await writer.write(rows(batch), meta), {
        inserted: 0,
        updated: 0,
        unchanged: 3,
        duplicateKeys: 0,
      });
      const changed = [{ ...batch[0], temperature: 8 }, batch[1], batch[2]];
      assert.deepEqual(await writer.write(rows(changed), { runId: RUN_2, provider: 'test' }), {
        inserted: 0,
        updated: 1,
        unchanged: 2,
        duplicateKeys: 0,
      });
      const { rows: stored } = await db.query<Record<string, unknown>>(
        `SELECT station, temperature, count, ok, day, extra, _run_id FROM readings ORDER BY station, observed_at`,
      );
      assert.deepEqual(stored, [
        { station: 'a', temperature: 8, count: 3, ok: true, day: null, extra: { a: 1 }, _run_id: RUN_2 },
        {
          station: 'a',
          temperature: null,
          count: null,
          ok: true,
          day: '2024-10-05',
          extra: null,
          _run_id: RUN_1,
        },
        { station: 'b', temperature: -1.25, count: null, ok: false, day: null, extra: null, _run_id: RUN_1 },
      ]);
    });

    it('collapses duplicate keys inside one batch to the last one instead of failing', async () => {
      const writer = createDatasetWriter(db, 'public', readings);
      const batch = [
        { station: 'dup', observed_at: '2024-10-06T00:00:00Z', temperature: 1 },
        { station: 'dup', observed_at: '2024-10-06T00:00:00+00:00', temperature: 2 },
        { station: 'dup', observed_at: '2024-10-06T02:00:00+02:00', temperature: 3 },
      ];
      const counts = await writer.write(rows(batch), meta);
      assert.deepEqual(counts, { inserted: 1, updated: 0, unchanged: 0, duplicateKeys: 2 });
      const { rows: stored } = await db.query<{ temperature: number }>(
        `SELECT temperature FROM readings WHERE station = 'dup'`,
      );
      assert.deepEqual(stored, [{ temperature: 3 }]);
    });

    it('insert mode keeps existing rows as they are', async () => {
      const insertOnly = dataset('readings_insert_only', {
        schema: z.object({ k: z.string(), t: z.coerce.date(), v: z.number() }),
        key: ['k'],
        time: 't',
        write: 'insert',
      });
      await db.transaction((tx) => ensureDatasetTables(tx, [insertOnly]));
      const writer = createDatasetWriter(db, 'public', insertOnly);
      const encode = (v: number) => {
        const result = validateRecord(insertOnly, { k: 'x', t: '2024-01-01T00:00:00Z', v });
        assert.ok(result.ok);
        return result.row;
      };
      assert.equal((await writer.write([encode(1)], meta)).inserted, 1);
      assert.deepEqual(await writer.write([encode(2)], meta), {
        inserted: 0,
        updated: 0,
        unchanged: 1,
        duplicateKeys: 0,
      });
      const { rows: stored } = await db.query<{ v: number }>('SELECT v FROM readings_insert_only');
      assert.deepEqual(stored, [{ v: 1 }]);
    });

    it('adds a new optional field as a column and refuses incompatible changes with instructions', async () => {
      const v1 = dataset('evolving', {
        schema: z.object({ k: z.string(), t: z.coerce.date(), v: z.number() }),
        key: ['k'],
        time: 't',
      });
      await db.transaction((tx) => ensureDatasetTables(tx, [v1]));
      const writer = createDatasetWriter(db, 'public', v1);
      const encoded = validateRecord(v1, { k: 'x', t: '2024-01-01T00:00:00Z', v: 1 });
      assert.ok(encoded.ok);
      await writer.write([encoded.row], meta);

      const v2 = dataset('evolving', {
        schema: z.object({ k: z.string(), t: z.coerce.date(), v: z.number(), note: z.string().optional() }),
        key: ['k'],
        time: 't',
      });
      const [setup] = await db.transaction((tx) => ensureDatasetTables(tx, [v2]));
      assert.deepEqual(setup?.changes, [
        { kind: 'add_column', column: { name: 'note', type: 'text', nullable: true } },
      ]);

      const required = dataset('evolving', {
        schema: z.object({
          k: z.string(),
          t: z.coerce.date(),
          v: z.number(),
          note: z.string().optional(),
          must: z.string(),
        }),
        key: ['k'],
        time: 't',
      });
      await assert.rejects(
        db.transaction((tx) => ensureDatasetTables(tx, [required])),
        /new field "must" is required but the table already has rows.*make it optional/s,
      );
      const retyped = dataset('evolving', {
        schema: z.object({ k: z.string(), t: z.coerce.date(), v: z.string(), note: z.string().optional() }),
        key: ['k'],
        time: 't',
      });
      await assert.rejects(
        db.transaction((tx) => ensureDatasetTables(tx, [retyped])),
        /field "v" is text in the schema but double precision in the table.*ALTER TABLE "evolving" ALTER COLUMN "v" TYPE text/s,
      );
      // The failed attempts changed nothing.
      const { rows: columns } = await db.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'evolving' AND column_name = 'must'`,
      );
      assert.equal(columns.length, 0);
    });

    it('refuses writes for a run that is no longer running (a stale attempt)', async () => {
      await db.query(`UPDATE sluice.runs SET status = 'failed' WHERE id = $1`, [RUN_2]);
      const writer = createDatasetWriter(db, 'public', readings);
      await assert.rejects(
        writer.write(rows([{ station: 'stale', observed_at: '2024-10-09T00:00:00Z', temperature: 1 }]), {
          runId: RUN_2,
          provider: 'test',
        }),
        /run .* is no longer running .* its writes are refused/,
      );
      const { rows: stored } = await db.query(`SELECT 1 FROM readings WHERE station = 'stale'`);
      assert.equal(stored.length, 0);
    });

    it('applies migrations once, even when asked again', async () => {
      assert.deepEqual(await migrate(db), []);
      const { rows: applied } = await db.query<{ version: number }>('SELECT version FROM sluice.migrations');
      assert.ok(applied.length >= 1);
    });
  });
}

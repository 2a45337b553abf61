// Dataset descriptions become table and column comments, on PGlite and PostgreSQL, kept current.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { testBackends } from '../../../test/support/databases.ts';
import { dataset } from '../../domain/dataset-definition.ts';
import type { Database } from './database.ts';
import { ensureDatasetTables } from './dataset-tables.ts';
import { migrate } from './migrate.ts';
import { syncTableComments } from './table-comments.ts';

function weather(description: string, field: string) {
  return dataset('weather', {
    schema: z.object({
      station: z.string().describe('station code'),
      day: z.iso.date(),
      temp: z.number().meta({ description: field }).optional(),
    }),
    key: ['station', 'day'],
    time: 'day',
    description,
  });
}

async function comments(db: Database): Promise<Record<string, string | null>> {
  const { rows } = await db.query<{ name: string; comment: string | null }>(
    `SELECT '' AS name, obj_description('public.weather'::regclass, 'pg_class') AS comment
     UNION ALL
     SELECT attname::text, col_description(attrelid, attnum) FROM pg_attribute
      WHERE attrelid = 'public.weather'::regclass AND attnum > 0 AND NOT attisdropped`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.comment]));
}

for (const backend of await testBackends()) {
  describe(`table comments on ${backend.kind}`, { skip: backend.skip }, () => {
    let db: Database;
    let close: () => Promise<void>;
    before(async () => {
      const opened = await backend.open();
      db = opened.db;
      close = opened.close;
      await migrate(db);
    });
    after(() => close());

    it('comments the table, described fields and engine columns', async () => {
      await db.transaction((tx) => ensureDatasetTables(tx, [weather("Daily 'means'", 'mean °C')]));
      const found = await comments(db);
      assert.equal(found[''], "Daily 'means'");
      assert.equal(found.station, 'station code');
      assert.equal(found.temp, 'mean °C');
      assert.equal(found.day, null);
      assert.match(found._run_id ?? '', /sluice\.runs\.id/);
      assert.ok(found._first_seen_at);
    });

    it('writes nothing when unchanged and updates a changed description', async () => {
      assert.equal(
        await db.transaction((tx) => syncTableComments(tx, 'public', weather("Daily 'means'", 'mean °C'))),
        0,
      );
      await db.transaction((tx) => ensureDatasetTables(tx, [weather('Daily means v2', 'mean \\ K')]));
      const found = await comments(db);
      assert.equal(found[''], 'Daily means v2');
      assert.equal(found.temp, 'mean \\ K');
      assert.equal(found.station, 'station code');
    });
  });
}

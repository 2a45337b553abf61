// A freshly migrated database matches the checked-in schema snapshot, on both databases.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { testBackends } from '../../../test/support/databases.ts';
import { buildSchemaSnapshot, SNAPSHOT_FILE } from '../../../test/support/schema-snapshot.ts';
import { migrate } from './migrate.ts';

for (const backend of await testBackends()) {
  describe(`schema snapshot (${backend.kind})`, { skip: backend.skip }, () => {
    it('matches src/adapters/postgres/schema.snapshot.sql after every migration', async () => {
      const expected = await readFile(SNAPSHOT_FILE, 'utf8');
      const test = await backend.open();
      try {
        await migrate(test.db);
        const actual = await buildSchemaSnapshot(test.db);
        assert.equal(
          actual,
          expected,
          'The migrated schema differs from src/adapters/postgres/schema.snapshot.sql. ' +
            'If the migration is meant to change it, run `npm run schema:snapshot` and review the diff.',
        );
      } finally {
        await test.close();
      }
    });
  });
}

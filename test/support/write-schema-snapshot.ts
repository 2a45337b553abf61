// `npm run schema:snapshot`: migrates a fresh embedded database and rewrites the checked-in schema snapshot.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { openPglite } from '../../src/adapters/postgres/pglite-database.ts';
import { buildSchemaSnapshot, SNAPSHOT_FILE } from './schema-snapshot.ts';

// PGlite needs no server; the snapshot test checks that PostgreSQL renders the same text.
const db = await openPglite(undefined);
try {
  await migrate(db);
  await writeFile(SNAPSHOT_FILE, await buildSchemaSnapshot(db));
  process.stdout.write(`wrote ${fileURLToPath(SNAPSHOT_FILE)}: review its diff with your migration\n`);
} finally {
  await db.close();
}

// Runs the BackfillStore contract against the in-memory store and the PostgreSQL one on PGlite and a server.
import { createBackfillStore } from '../../src/adapters/postgres/backfill-store.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { testBackends } from '../support/databases.ts';
import { backfillsContract } from './backfills.contract.ts';
import { createMemoryBackfillStore } from './memory-backfills.ts';

backfillsContract({
  kind: 'memory',
  skip: false,
  open: async () => ({ store: createMemoryBackfillStore(), close: async () => {} }),
});

for (const backend of await testBackends()) {
  backfillsContract({
    kind: backend.kind,
    skip: backend.skip,
    async open() {
      const { db, close } = await backend.open();
      await migrate(db);
      return { store: createBackfillStore(db), close };
    },
  });
}

// Runs the run history contract against the in-memory store and the PostgreSQL stores on PGlite and a server.
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { createRunQueries, createRunStore } from '../../src/adapters/postgres/run-store.ts';
import { testBackends } from '../support/databases.ts';
import { createMemoryRuns } from './memory-runs.ts';
import { runsContract } from './runs.contract.ts';

runsContract({
  kind: 'memory',
  skip: false,
  open: async () => ({ ...createMemoryRuns(), close: async () => {} }),
});

for (const backend of await testBackends()) {
  runsContract({
    kind: backend.kind,
    skip: backend.skip,
    async open() {
      const { db, close } = await backend.open();
      await migrate(db);
      return { store: createRunStore(db), queries: createRunQueries(db), close };
    },
  });
}

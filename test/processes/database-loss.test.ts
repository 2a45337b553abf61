// A worker whose database disappears keeps trying, then exits non-zero with a clear message.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { createPostgresDatabase, testBackends } from '../support/databases.ts';
import { startSluice } from '../support/processes.ts';
import { withInitProject } from '../support/project.ts';

const postgres = (await testBackends()).find((backend) => backend.kind === 'postgres')!;

describe('database loss', { skip: postgres.skip }, () => {
  it('exits with code 1 once the database has been unreachable for SLUICE_DB_UNREACHABLE_EXIT_S', async () => {
    const project = await withInitProject();
    const database = await createPostgresDatabase();
    const env = {
      DATABASE_URL: database.url,
      SLUICE_DB_UNREACHABLE_EXIT_S: '1',
      SLUICE_SCHEDULER_ENABLED: 'false',
    };
    const worker = await startSluice(['worker'], { cwd: project.dir, env });
    try {
      const exited = once(worker.child, 'exit');
      const lostAt = Date.now();
      // Dropping the database ends every connection and leaves nothing to reconnect to.
      await database.drop();
      const [code] = (await exited) as [number];
      const seconds = (Date.now() - lostAt) / 1000;
      assert.equal(code, 1, worker.output());
      assert.ok(seconds < 20, `exited ${seconds.toFixed(1)} s after the loss`);
      assert.match(
        worker.output(),
        /database unreachable for \d+ s \(SLUICE_DB_UNREACHABLE_EXIT_S=1\); exiting/,
      );
    } finally {
      await worker.stop('SIGKILL');
      await database.drop();
      await project.remove();
    }
  });
});

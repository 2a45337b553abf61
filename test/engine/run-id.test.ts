// Short run ids: the 8-character prefix the CLI prints names a run wherever a run id is taken.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/adapters/postgres/database.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { enqueueRun, getRun, resolveRunId } from '../../src/adapters/postgres/run-store.ts';
import { ConflictError, NotFoundError, UsageError } from '../../src/domain/errors.ts';
import { testBackends } from '../support/databases.ts';

const ONE = 'abcdef01-2345-4678-9abc-def012345678';
const TWIN_A = '12345678-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const TWIN_B = '12345678-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

for (const backend of await testBackends()) {
  describe(`run ids on ${backend.kind}`, { skip: backend.skip }, () => {
    let db: Database;
    let close: () => Promise<void>;
    before(async () => {
      ({ db, close } = await backend.open());
      await migrate(db);
      for (const id of [ONE, TWIN_A, TWIN_B])
        await enqueueRun(db, { id, pipeline: 'p', dataset: 'd', trigger: 'manual', jobId: null });
    });
    after(() => close());

    it('accepts the full id and a unique prefix, with or without dashes', async () => {
      assert.equal(await resolveRunId(db, ONE), ONE);
      assert.equal(await resolveRunId(db, 'abcdef01'), ONE);
      assert.equal(await resolveRunId(db, 'ABCDEF01-23'), ONE);
      assert.equal(await resolveRunId(db, 'abcdef0123454678'), ONE);
      assert.equal((await getRun(db, 'abcdef01')).id, ONE);
    });

    it('refuses a prefix under 8 characters, saying the minimum', async () => {
      await assert.rejects(resolveRunId(db, 'abcdef0'), (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /at least 8/);
        return true;
      });
    });

    it('answers not found for no match and lists the candidates for several', async () => {
      await assert.rejects(resolveRunId(db, 'ffffffff'), NotFoundError);
      await assert.rejects(getRun(db, 'not-a-run'), NotFoundError);
      await assert.rejects(resolveRunId(db, '12345678'), (error: unknown) => {
        assert.ok(error instanceof ConflictError);
        assert.ok(error.message.includes(TWIN_A) && error.message.includes(TWIN_B), error.message);
        return true;
      });
      assert.equal(await resolveRunId(db, '12345678-bbbb'), TWIN_B);
    });
  });
}

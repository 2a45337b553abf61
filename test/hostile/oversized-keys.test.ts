// Hostile input: a key value too long for the primary key's index. PostgreSQL refuses such an
// index entry (SQLSTATE 54000) and would fail the whole write of the run; the record is
// quarantined with `key_too_long` instead, and the good records are stored.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { listQuarantine } from '../../src/adapters/postgres/quarantine-store.ts';
import { testBackends } from '../support/databases.ts';
import { openTestProject, type TestProject } from '../support/test-project.ts';

const CONFIG = `import { dataset, defineConfig, files, pipeline, z } from 'sluice';
const notes = dataset('notes', {
  schema: z.object({ id: z.string(), at: z.coerce.date(), text: z.string() }),
  key: ['id'],
  time: 'at',
});
export default defineConfig({
  datasets: [notes],
  pipelines: [pipeline('notes_csv', { source: files({ dir: 'hostile', glob: '*.csv' }), into: notes })],
});
`;

const at = '2026-01-01T00:00:00Z';
// Random text, so compression cannot make the index entry fit.
const huge = randomBytes(6000).toString('hex');
const CSV_ROWS = `id,at,text\ngood-1,${at},fine\n${huge},${at},a document in the key column\ngood-2,${at},fine\n`;

for (const backend of await testBackends()) {
  describe(`an oversized key on ${backend.kind}`, { skip: backend.skip }, () => {
    let project: TestProject;
    before(async () => {
      project = await openTestProject(backend, CONFIG, { 'hostile/notes.csv': CSV_ROWS });
    });
    after(() => project?.close());

    it('quarantines the record with key_too_long and stores the others', async () => {
      const report = await project.sluice.run('notes_csv');
      assert.deepEqual(report.errors, []);
      assert.equal(report.status, 'partial');
      assert.deepEqual([report.counts.valid, report.counts.rejected, report.counts.inserted], [2, 1, 2]);
      const [entry] = await listQuarantine(project.sluice.db, { runId: report.runId, limit: 10 });
      assert.equal(entry?.issues[0]?.code, 'key_too_long');
      assert.match(entry?.issues[0]?.message ?? '', /the key \(id\) is 12000 bytes long/);
      const { rows } = await project.sluice.db.query<{ id: string }>(
        'SELECT id FROM public.notes ORDER BY id',
      );
      assert.deepEqual(
        rows.map((row) => row.id),
        ['good-1', 'good-2'],
      );
    });
  });
}

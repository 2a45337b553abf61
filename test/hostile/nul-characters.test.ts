// Hostile input: strings PostgreSQL cannot store (NUL, unpaired surrogates) in text fields, key
// columns, nested jsonb values and jsonb object keys. Each such record is quarantined with a
// `nul_character` (or `unpaired_surrogate`) issue at its field path; the good records are stored,
// the run is partial and no write batch fails.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { listQuarantine } from '../../src/adapters/postgres/quarantine-store.ts';
import type { RunReport } from '../../src/engine/ports.ts';
import { testBackends } from '../support/databases.ts';
import { openTestProject, type TestProject } from '../support/test-project.ts';

const CONFIG = `import { dataset, defineConfig, files, pipeline, z } from 'sluice';
const notes = dataset('notes', {
  schema: z.object({
    id: z.string(),
    at: z.coerce.date(),
    text: z.string(),
    meta: z.record(z.string(), z.unknown()).optional(),
  }),
  key: ['id'],
  time: 'at',
});
export default defineConfig({
  datasets: [notes],
  pipelines: [
    pipeline('notes_json', { source: files({ dir: 'hostile', glob: '*.json' }), into: notes }),
    pipeline('notes_csv', { source: files({ dir: 'hostile', glob: '*.csv' }), into: notes }),
  ],
});
`;

const at = '2026-01-01T00:00:00Z';
// JSON.stringify writes U+0000 as the \\u0000 escape, exactly what a hostile upstream sends.
const JSON_ROWS = JSON.stringify([
  { id: 'good-1', at, text: 'fine', meta: { a: { b: 'ok' } } },
  { id: 'bad-text', at, text: 'nul\u0000here' },
  { id: 'bad-nested', at, text: 'fine', meta: { a: { b: ['x', 'y\u0000z'] } } },
  { id: 'bad-key', at, text: 'fine', meta: { 'k\u0000ey': 1 } },
  { id: 'bad-surrogate', at, text: 'fine', meta: { a: '\ud800' } },
  { id: 'good-2', at, text: 'also fine' },
]);
const CSV_ROWS = `id,at,text\ncsv-good,${at},fine\ncsv\u0000key,${at},fine\ncsv-bad,${at},nul\u0000cell\n`;

for (const backend of await testBackends()) {
  describe(`NUL characters in records on ${backend.kind}`, { skip: backend.skip }, () => {
    let project: TestProject;
    before(async () => {
      project = await openTestProject(backend, CONFIG, {
        'hostile/notes.json': JSON_ROWS,
        'hostile/notes.csv': CSV_ROWS,
      });
    });
    after(() => project?.close());

    const ids = async () => {
      const { rows } = await project.sluice.db.query<{ id: string }>(
        'SELECT id FROM public.notes ORDER BY id',
      );
      return rows.map((row) => row.id);
    };
    const quarantined = async (report: RunReport) =>
      (await listQuarantine(project.sluice.db, { runId: report.runId, limit: 100 }))
        .map((entry) => ({
          id: (entry.record as { id?: string } | null)?.id,
          issues: entry.issues.map((issue) => `${issue.code}@${issue.path.join('.')}`),
        }))
        .sort((left, right) => String(left.id).localeCompare(String(right.id)));

    it('JSON: a NUL in a text field, a nested value or an object key is quarantined per record; good rows stored', async () => {
      const report = await project.sluice.run('notes_json');
      assert.equal(report.status, 'partial', JSON.stringify(report.errors));
      assert.deepEqual(report.errors, []);
      assert.deepEqual([report.counts.valid, report.counts.rejected, report.counts.inserted], [2, 4, 2]);
      assert.deepEqual(await ids(), ['good-1', 'good-2']);
      assert.deepEqual(await quarantined(report), [
        { id: 'bad-key', issues: ['nul_character@meta.k\ufffdey'] },
        { id: 'bad-nested', issues: ['nul_character@meta.a.b.1'] },
        { id: 'bad-surrogate', issues: ['unpaired_surrogate@meta.a'] },
        { id: 'bad-text', issues: ['nul_character@text'] },
      ]);
      const nul = report.quality.issues.find((issue) => issue.path === 'text');
      assert.equal(nul?.code, 'nul_character');
    });

    it('CSV: a NUL in a key column or a text cell is quarantined with its raw cells; the good row is stored', async () => {
      const report = await project.sluice.run('notes_csv');
      assert.equal(report.status, 'partial', JSON.stringify(report.errors));
      assert.deepEqual(report.errors, []);
      assert.deepEqual([report.counts.valid, report.counts.rejected], [1, 2]);
      assert.ok((await ids()).includes('csv-good'));
      const entries = await listQuarantine(project.sluice.db, { runId: report.runId, limit: 100 });
      const raws = entries.map((entry) => JSON.stringify(entry.raw)).sort();
      assert.ok(
        raws.some((raw) => raw.includes('csv\\u0000key')),
        raws.join('\n'),
      );
      assert.ok(
        raws.some((raw) => raw.includes('nul\\u0000cell')),
        raws.join('\n'),
      );
      assert.deepEqual(
        (await quarantined(report)).map((entry) => entry.issues),
        [['nul_character@text'], ['nul_character@id']],
      );
    });
  });
}

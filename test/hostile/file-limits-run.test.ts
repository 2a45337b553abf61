// Hostile files in a real project: a zip-bomb workbook and an over-long NDJSON line fail their run, on both databases.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../support/databases.ts';
import { openTestProject, type TestProject } from '../support/test-project.ts';
import { writeXlsxBomb } from '../support/xlsx-bomb.ts';

const MiB = 2 ** 20;

const CONFIG = `import { dataset, defineConfig, files, pipeline, z } from 'sluice';
const cells = dataset('cells', {
  schema: z.object({ v: z.string(), at: z.coerce.date() }),
  key: ['v'],
  time: 'at',
});
const at = '2026-01-01T00:00:00Z';
export default defineConfig({
  datasets: [cells],
  pipelines: [
    pipeline('bomb_sheets', {
      source: files({ name: 'sheets', dir: 'sheets', xlsx: { maxUnpackedBytes: ${20 * MiB}, maxEntryUnpackedBytes: ${5 * MiB} } }),
      into: cells,
      transform: (row) => ({ v: String(Object.values(row)[0]).slice(0, 10), at }),
    }),
    pipeline('long_lines', {
      source: files({ name: 'lines', dir: 'lines' }),
      into: cells,
      transform: (row) => ({ v: String(row.v), at }),
    }),
  ],
});
`;

for (const backend of await testBackends()) {
  describe(`hostile files in a run on ${backend.kind}`, { skip: backend.skip }, () => {
    let project: TestProject;

    before(async () => {
      project = await openTestProject(backend, CONFIG, { 'lines/.keep': '', 'sheets/.keep': '' });
      await writeXlsxBomb(join(project.dir, 'sheets', 'bomb.xlsx'), { unpackedBytes: 50 * MiB, lie: true });
      await writeFile(join(project.dir, 'lines', 'a.ndjson'), `{"v":1}\n{"v":"${'x'.repeat(17 * MiB)}"}\n`);
    });
    after(() => project?.close());

    it('a 50 MiB zip bomb behind lying headers: the run fails naming the file, the entry and the option', async () => {
      const report = await project.sluice.run('bomb_sheets');
      assert.equal(report.status, 'failed');
      assert.equal(report.counts.inserted, 0);
      const [error] = report.errors;
      assert.equal(error?.code, 'source_format_error');
      assert.match(
        error?.message ?? '',
        /sheets\/bomb\.xlsx was not read: entry "xl\/sharedStrings\.xml" unpacks to more than the 5 MiB limit per entry.*xlsx\.maxEntryUnpackedBytes/,
      );
    });

    it('a 17 MiB NDJSON line: the run fails naming the file and line 2', async () => {
      const report = await project.sluice.run('long_lines');
      assert.equal(report.status, 'failed');
      const [error] = report.errors;
      assert.equal(error?.code, 'source_format_error');
      assert.match(error?.message ?? '', /lines\/a\.ndjson: line 2 is longer than the 16 MiB line limit/);
    });
  });
}

// Tests for the streaming .xlsx reader: a workbook written with exceljs and read back.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import { SourceError } from '../../domain/errors.ts';
import { files } from '../../domain/source-definition.ts';
import { readSource } from './read-source.ts';
import {
  collectItems,
  collectUntilError,
  recordValues,
  testContext,
  withTempDir,
} from './source-test-kit.ts';
import { cellValue, xlsxRecords } from './xlsx-records.ts';

const observedAt = new Date(Date.UTC(2024, 9, 5, 6, 0));

async function writeWorkbook(file: string): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  const notes = workbook.addWorksheet('notes');
  notes.addRow(['about']);
  notes.addRow(['hand-kept readings']);
  const sheet = workbook.addWorksheet('readings');
  sheet.addRow(['station', 'observed_at', 'temperature_c', 'comment', 'double']);
  sheet.addRow(['mont_cassel', observedAt, 9.1, 'ok', { formula: 'C2*2', result: 18.2 }]);
  sheet.getCell('B2').numFmt = 'yyyy-mm-dd hh:mm';
  sheet.addRow([]);
  sheet.addRow(['mont_noir', null, 8, null, null]);
  sheet.addRow([
    { richText: [{ text: 'mont ' }, { text: 'kemmel', font: { bold: true } }] },
    null,
    7.5,
    { text: 'site', hyperlink: 'https://example.org' },
    null,
  ]);
  await workbook.xlsx.writeFile(file);
}

describe('xlsxRecords', () => {
  it('reads rows keyed by the header row, with plain cell values', async () => {
    await withTempDir(async (dir) => {
      await writeWorkbook(path.join(dir, 'sites.xlsx'));
      const items = await collectItems(
        readSource(
          files({ dir: '.', xlsx: { sheet: 'readings' }, name: 'sites' }),
          testContext({ baseDir: dir }),
        ),
      );
      assert.deepEqual(recordValues(items), [
        { station: 'mont_cassel', observed_at: observedAt, temperature_c: 9.1, comment: 'ok', double: 18.2 },
        // The empty row 3 is skipped; empty cells are null.
        { station: 'mont_noir', observed_at: null, temperature_c: 8, comment: null, double: null },
        { station: 'mont kemmel', observed_at: null, temperature_c: 7.5, comment: 'site', double: null },
      ]);
      assert.deepEqual(
        items.map((item) => item.origin),
        [2, 4, 5].map((line) => ({ provider: 'sites', file: 'sites.xlsx', sheet: 'readings', line })),
      );
    });
  });

  it('reads the first worksheet by default and accepts a 1-based index', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'sites.xlsx');
      await writeWorkbook(file);
      const first = await collectItems(xlsxRecords(file, { provider: 'p', file: 'sites.xlsx' }));
      assert.deepEqual(recordValues(first), [{ about: 'hand-kept readings' }]);
      const second = await collectItems(xlsxRecords(file, { provider: 'p' }, { sheet: 2 }));
      assert.equal(second.length, 3);
      assert.equal(second[0]?.origin.sheet, 'readings');
    });
  });

  it('names the available worksheets when the requested one does not exist', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'sites.xlsx');
      await writeWorkbook(file);
      const { error } = await collectUntilError(
        xlsxRecords(file, { provider: 'p', file: 'sites.xlsx' }, { sheet: 'data' }),
      );
      assert.ok(error instanceof SourceError);
      assert.equal(error.code, 'source_format_error');
      assert.equal(
        error.message,
        'sites.xlsx has no worksheet named "data"; its worksheets are: "notes", "readings"',
      );
    });
  });

  it('refuses a file that is not a zip archive', async () => {
    const { error } = await collectUntilError(readSource(files({ dir: '.', glob: '*.xlsx' }), testContext()));
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'source_format_error');
    assert.match(
      error.message,
      /^not-a-workbook\.xlsx is not a valid \.xlsx workbook \(not a zip archive\): /,
    );
  });

  it('normalises exceljs cell values', () => {
    assert.equal(cellValue(undefined), null);
    assert.equal(cellValue({ formula: 'A1', result: undefined }), null);
    assert.equal(cellValue({ sharedFormula: 'A1', result: 'x' }), 'x');
    assert.equal(cellValue({ error: '#N/A' }), '#N/A');
    assert.equal(cellValue({ text: { richText: [{ text: 'a' }, { text: 'b' }] }, hyperlink: 'h' }), 'ab');
  });
});

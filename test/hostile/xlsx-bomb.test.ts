// Hostile workbooks: .xlsx zips that unpack far beyond their size must fail the file before memory grows.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readSource } from '../../src/adapters/sources/read-source.ts';
import {
  collectItems,
  collectUntilError,
  recordValues,
  testContext,
  withTempDir,
} from '../../src/adapters/sources/source-test-kit.ts';
import { ConfigError, SourceError } from '../../src/domain/errors.ts';
import { files } from '../../src/domain/source-definition.ts';
import { writeXlsxBomb } from '../support/xlsx-bomb.ts';

const MiB = 2 ** 20;
const BOMB = 50 * MiB;
const limits = { maxUnpackedBytes: 20 * MiB, maxEntryUnpackedBytes: 5 * MiB };

async function readBomb(dir: string, xlsx: object) {
  const before = process.memoryUsage().rss;
  const { error } = await collectUntilError(
    readSource(files({ dir: '.', xlsx, name: 'sheets' }), testContext({ baseDir: dir })),
  );
  return { error, grownBy: process.memoryUsage().rss - before };
}

describe('hostile xlsx: decompression bombs', () => {
  it('shared strings that unpack to 50 MiB with honest headers: fails on the declared size, nothing inflated', async () => {
    await withTempDir(async (dir) => {
      const packed = await writeXlsxBomb(path.join(dir, 'bomb.xlsx'), { unpackedBytes: BOMB });
      assert.ok(packed < MiB, `the bomb is small on disk (${packed} bytes)`);
      const { error, grownBy } = await readBomb(dir, limits);
      assert.ok(error instanceof SourceError, `fails the run (got ${String(error)})`);
      assert.equal(error.code, 'source_format_error');
      assert.match(error.message, /^bomb\.xlsx was not read: entry "xl\/sharedStrings\.xml" declares 50 MiB/);
      assert.match(error.message, /5 MiB limit per entry/);
      assert.match(error.message, /raise the source option xlsx\.maxEntryUnpackedBytes/);
      assert.ok(grownBy < 20 * MiB, `memory grew by ${Math.round(grownBy / MiB)} MiB`);
    });
  });

  it('shared strings that unpack to 50 MiB behind headers claiming 1000 bytes: counted as they inflate, fails at 5 MiB', async () => {
    await withTempDir(async (dir) => {
      await writeXlsxBomb(path.join(dir, 'liar.xlsx'), { unpackedBytes: BOMB, lie: true });
      const { error, grownBy } = await readBomb(dir, limits);
      assert.ok(error instanceof SourceError, `fails the run (got ${String(error)})`);
      assert.match(
        error.message,
        /^liar\.xlsx was not read: entry "xl\/sharedStrings\.xml" unpacks to more than the 5 MiB limit per entry \(a zip bomb\?\); if the workbook is trusted, raise the source option xlsx\.maxEntryUnpackedBytes$/,
      );
      // Without the guard exceljs caches every string: about the bomb's size.
      assert.ok(grownBy < 20 * MiB, `memory grew by ${Math.round(grownBy / MiB)} MiB`);
    });
  });

  it('a lying worksheet stored before the shared strings (exceljs spools it to a temp file): fails, does not hang', async () => {
    await withTempDir(async (dir) => {
      await writeXlsxBomb(path.join(dir, 'spool.xlsx'), {
        unpackedBytes: BOMB,
        lie: true,
        inWorksheet: true,
      });
      const { error } = await readBomb(dir, limits);
      assert.ok(error instanceof SourceError, `fails the run (got ${String(error)})`);
      assert.match(error.message, /entry "xl\/worksheets\/sheet1\.xml" unpacks to more than the 5 MiB limit/);
    });
  });

  it('entries each under the per-entry limit but over the total: fails naming the total limit', async () => {
    await withTempDir(async (dir) => {
      await writeXlsxBomb(path.join(dir, 'wide.xlsx'), { unpackedBytes: 4 * MiB, lie: true });
      const { error } = await readBomb(dir, { maxUnpackedBytes: 3 * MiB, maxEntryUnpackedBytes: 5 * MiB });
      assert.ok(error instanceof SourceError, `fails the run (got ${String(error)})`);
      assert.match(
        error.message,
        /unpacks to more than the 3 MiB limit in total \(reached in entry "xl\/sharedStrings\.xml"\)/,
      );
      assert.match(error.message, /raise the source option xlsx\.maxUnpackedBytes/);
    });
  });

  it('a workbook under the limits reads as usual (the same bomb, limits raised)', async () => {
    await withTempDir(async (dir) => {
      await writeXlsxBomb(path.join(dir, 'fine.xlsx'), { unpackedBytes: 3 * MiB });
      const items = await collectItems(
        readSource(files({ dir: '.', xlsx: limits, name: 'sheets' }), testContext({ baseDir: dir })),
      );
      assert.equal(recordValues(items).length, 1);
    });
  });

  it('a limit that is not a positive whole number is a config error naming the option', () => {
    assert.throws(
      () => files({ dir: '.', xlsx: { maxUnpackedBytes: 0 } }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /xlsx\.maxUnpackedBytes must be a positive whole number/.test(error.message),
    );
    assert.throws(() => files({ dir: '.', xlsx: { maxEntryUnpackedBytes: -1 } }), ConfigError);
  });
});

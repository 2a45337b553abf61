// Tests for the files source: directory checks, glob listing, format choice and origins.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SourceError } from '../../domain/errors.ts';
import { files } from '../../domain/source-definition.ts';
import { listFiles } from './files-source.ts';
import { readSource } from './read-source.ts';
import {
  collectItems,
  collectUntilError,
  recordingLogger,
  recordValues,
  SOURCE_FIXTURES,
  testContext,
  withTempDir,
} from './source-test-kit.ts';

describe('files source', () => {
  it('fails with the resolved path when the directory does not exist', async () => {
    const { error } = await collectUntilError(readSource(files({ dir: 'no-such-dir' }), testContext()));
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'source_error');
    assert.equal(error.retryable, false);
    assert.ok(error.message.includes(path.join(SOURCE_FIXTURES, 'no-such-dir')), error.message);
    assert.match(error.message, /does not exist/);
  });

  it('fails when `dir` is a file', async () => {
    const { error } = await collectUntilError(readSource(files({ dir: 'observations.csv' }), testContext()));
    assert.ok(error instanceof SourceError);
    assert.match(error.message, /is not a directory/);
  });

  it('yields nothing, without failing, when the glob matches nothing', async () => {
    const logger = recordingLogger();
    const items = await collectItems(
      readSource(files({ dir: '.', glob: '*.parquet' }), testContext({ logger })),
    );
    assert.deepEqual(items, []);
    assert.ok(logger.lines.some((line) => line.level === 'warn'));
  });

  it('skips files with no known format with a warning naming them', async () => {
    const logger = recordingLogger();
    const items = await collectItems(readSource(files({ dir: 'mixed' }), testContext({ logger })));
    assert.deepEqual(recordValues(items), [{ station: '07015', temperature: '12.5' }]);
    assert.deepEqual(items[0]?.origin, { provider: 'files', file: 'mixed/readings.ndjson', line: 1 });
    const warning = logger.lines.find((line) => line.level === 'warn');
    assert.deepEqual(warning?.object, { file: 'mixed/notes.txt' });
  });

  it('reads files in sorted order, recursing when the glob says so, and honours a forced format', async () => {
    await withTempDir(async (dir) => {
      await mkdir(path.join(dir, 'data', '2024'), { recursive: true });
      await writeFile(path.join(dir, 'data', 'b.json'), '[{"n":"b"}]');
      await writeFile(path.join(dir, 'data', 'a.json'), '[{"n":"a"}]');
      await writeFile(path.join(dir, 'data', '2024', 'c.json'), '[{"n":"c"}]');
      await writeFile(path.join(dir, 'data', 'd.log'), '{"n":"d"}\n');

      assert.deepEqual(await listFiles(path.join(dir, 'data'), '**/*.json'), [
        '2024/c.json',
        'a.json',
        'b.json',
      ]);
      const items = await collectItems(
        readSource(files({ dir: 'data', glob: '**/*.json' }), testContext({ baseDir: dir })),
      );
      assert.deepEqual(recordValues(items), [{ n: 'c' }, { n: 'a' }, { n: 'b' }]);
      assert.equal(items[0]?.origin.file, 'data/2024/c.json');

      const forced = await collectItems(
        readSource(files({ dir: 'data', glob: '*.log', format: 'ndjson' }), testContext({ baseDir: dir })),
      );
      assert.deepEqual(recordValues(forced), [{ n: 'd' }]);
    });
  });
});

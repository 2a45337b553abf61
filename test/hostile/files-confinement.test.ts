// Hostile input: a files() source whose directory holds a symlink to a file outside it, a
// symlinked folder pointing outside, or whose glob climbs out with `..` or is absolute. Reads stay
// inside the real `dir`: a path that resolves outside fails the run with an error naming it, before
// any file is read; a climbing or absolute glob is a ConfigError naming the pipeline and the glob.
import assert from 'node:assert/strict';
import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
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
import { pipeline } from '../../src/domain/pipeline-definition.ts';
import { fallback, files, http } from '../../src/domain/source-definition.ts';

const CSV = 'id,value\n1,inside\n';
const SECRET = 'id,value\n1,secret outside the source directory\n';

/** base/data holds good.csv; base/outside holds secret.csv and a folder, both linked into data. */
async function layout(base: string): Promise<{ data: string; outside: string }> {
  const data = path.join(base, 'data');
  const outside = path.join(base, 'outside');
  await mkdir(data);
  await mkdir(path.join(outside, 'nested'), { recursive: true });
  await writeFile(path.join(data, 'good.csv'), CSV);
  await writeFile(path.join(outside, 'secret.csv'), SECRET);
  await writeFile(path.join(outside, 'nested', 'secret.csv'), SECRET);
  return { data, outside };
}

describe('files() stays inside its directory', () => {
  it('a symlink to a file outside dir: the run fails naming the link and its target, nothing is read', async () => {
    await withTempDir(async (base) => {
      const { data, outside } = await layout(base);
      await symlink(path.join(outside, 'secret.csv'), path.join(data, 'link.csv'));
      const { items, error } = await collectUntilError(
        readSource(files({ dir: 'data', glob: '*.csv' }), testContext({ baseDir: base })),
      );
      assert.ok(error instanceof SourceError, String(error));
      assert.equal(error.retryable, false);
      assert.ok(error.message.includes(path.join(data, 'link.csv')), error.message);
      assert.ok(error.message.includes(await realpath(path.join(outside, 'secret.csv'))), error.message);
      assert.match(error.message, /outside the source directory/);
      assert.deepEqual(items, []);
    });
  });

  it('a symlinked folder pointing outside dir (glob "sub/*.csv"): the run fails naming the path', async () => {
    await withTempDir(async (base) => {
      const { data, outside } = await layout(base);
      await symlink(path.join(outside, 'nested'), path.join(data, 'sub'), 'dir');
      const { items, error } = await collectUntilError(
        readSource(files({ dir: 'data', glob: 'sub/*.csv' }), testContext({ baseDir: base })),
      );
      assert.ok(error instanceof SourceError, String(error));
      assert.match(error.message, /outside the source directory/);
      assert.ok(error.message.includes(path.join(data, 'sub', 'secret.csv')), error.message);
      assert.deepEqual(items, []);
    });
  });

  it('a glob that climbs out through a brace ("{..,x}/outside/*.csv") is refused when read', async () => {
    await withTempDir(async (base) => {
      await layout(base);
      const { items, error } = await collectUntilError(
        readSource(files({ dir: 'data', glob: '{..,x}/outside/*.csv' }), testContext({ baseDir: base })),
      );
      assert.ok(error instanceof SourceError, String(error));
      assert.match(error.message, /secret\.csv, outside the source directory/);
      assert.deepEqual(items, []);
    });
  });

  it('a symlink inside dir to another file inside dir is still read', async () => {
    await withTempDir(async (base) => {
      const { data } = await layout(base);
      await symlink(path.join(data, 'good.csv'), path.join(data, 'alias.csv'));
      const items = await collectItems(
        readSource(files({ dir: 'data', glob: '*.csv' }), testContext({ baseDir: base })),
      );
      assert.equal(recordValues(items).length, 2);
    });
  });

  it('dir itself may be a symlink: files are checked against its real path', async () => {
    await withTempDir(async (base) => {
      const { data } = await layout(base);
      await symlink(data, path.join(base, 'linked-data'), 'dir');
      const items = await collectItems(
        readSource(files({ dir: 'linked-data', glob: '*.csv' }), testContext({ baseDir: base })),
      );
      assert.equal(recordValues(items).length, 1);
    });
  });

  for (const glob of ['../*.csv', 'sub/../../*.csv', '..\\*.csv', '/etc/*', 'C:/data/*.csv']) {
    it(`glob "${glob}" is a ConfigError naming the pipeline and the glob`, () => {
      assert.throws(
        () => pipeline('leaky', { source: files({ dir: 'data', glob }), into: 'x' }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.message.startsWith('pipeline "leaky": files source "files": glob ') &&
          error.message.includes(`"${glob}"`),
      );
    });
  }

  it('a climbing glob inside a fallback chain is refused too', () => {
    assert.throws(
      () =>
        pipeline('leaky', {
          source: fallback(http({ url: 'http://127.0.0.1:1/x' }), files({ dir: 'data', glob: '../*.csv' })),
          into: 'x',
        }),
      /pipeline "leaky": files source "files": glob "\.\.\/\*\.csv" has a '\.\.' segment/,
    );
  });
});

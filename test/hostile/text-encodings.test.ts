// Hostile input: bytes that are not the UTF-8 they are read as. Before, a Latin-1 "Chambéry"
// was stored as "Chamb\uFFFDry" without a word. Now invalid UTF-8 fails the read naming the file
// (or URL), the line and the option that declares another encoding; with that option, or a
// Content-Type charset, the text is converted and stored right.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readSource } from '../../src/adapters/sources/read-source.ts';
import {
  collectUntilError,
  recordValues,
  testContext,
  withTempDir,
} from '../../src/adapters/sources/source-test-kit.ts';
import { ConfigError, SourceError } from '../../src/domain/errors.ts';
import { files, http } from '../../src/index.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';

const latin1 = (text: string) => Buffer.from(text, 'latin1');
const CSV = 'station,temp\nAnnecy,1\nChambéry,2\nGrenoble,3\n';

describe('text that is not UTF-8, in files()', () => {
  it('a Latin-1 CSV fails at the line of the first bad byte, after the rows before it, naming the option', async () => {
    await withTempDir(async (dir) => {
      await writeFile(path.join(dir, 'obs.csv'), latin1(CSV));
      const { items, error } = await collectUntilError(
        readSource(files({ dir: '.', glob: '*.csv' }), testContext({ baseDir: dir })),
      );
      assert.ok(error instanceof SourceError, `fails (got ${String(error)})`);
      assert.equal(
        error.message,
        "obs.csv: line 3 is not valid UTF-8 (byte 0xE9 at offset 27); if the data is in another encoding, set the source option encoding: 'latin1', 'windows-1252' or 'utf-16le'",
      );
      assert.deepEqual(recordValues(items), [{ station: 'Annecy', temp: '1' }]);
    });
  });

  it("with encoding: 'latin1' the same file reads whole and right, in CSV, NDJSON and JSON", async () => {
    await withTempDir(async (dir) => {
      await writeFile(path.join(dir, 'obs.csv'), latin1(CSV));
      await writeFile(path.join(dir, 'obs.ndjson'), latin1('{"station":"Chambéry"}\n'));
      await writeFile(path.join(dir, 'obs.json'), latin1('[{"station":"Besançon"}]'));
      const read = async (glob: string) =>
        recordValues(
          (
            await collectUntilError(
              readSource(files({ dir: '.', glob, encoding: 'latin1' }), testContext({ baseDir: dir })),
            )
          ).items,
        );
      assert.deepEqual((await read('*.csv')).at(1), { station: 'Chambéry', temp: '2' });
      assert.deepEqual(await read('*.ndjson'), [{ station: 'Chambéry' }]);
      assert.deepEqual(await read('*.json'), [{ station: 'Besançon' }]);
    });
  });

  it('a UTF-8 character split across read chunks is fine; a file cut inside one is not', async () => {
    await withTempDir(async (dir) => {
      // 64 KiB read chunks: put multi-byte characters across the boundary.
      const rows = Array.from({ length: 9000 }, (_, index) => `é${index},€😀`).join('\n');
      await writeFile(path.join(dir, 'wide.csv'), `a,b\n${rows}\n`);
      await writeFile(
        path.join(dir, 'cut.ndjson'),
        Buffer.concat([Buffer.from('{"v":1}\n"'), Buffer.from('€').subarray(0, 2)]),
      );
      const wide = await collectUntilError(
        readSource(files({ dir: '.', glob: 'wide.csv' }), testContext({ baseDir: dir })),
      );
      assert.equal(wide.error, undefined);
      assert.equal(recordValues(wide.items).length, 9000);
      const cut = await collectUntilError(
        readSource(files({ dir: '.', glob: 'cut.ndjson' }), testContext({ baseDir: dir })),
      );
      assert.ok(cut.error instanceof SourceError);
      assert.match(
        cut.error.message,
        /cut\.ndjson: line 2 is not valid UTF-8 \(an incomplete character at the end, offset 9\)/,
      );
    });
  });

  it('an unknown encoding is a config error listing the ones sluice reads', () => {
    assert.throws(
      () => files({ dir: '.', encoding: 'ebcdic' as 'latin1' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /files\(\): encoding must be one of 'utf-8', 'latin1', 'windows-1252', 'utf-16le', got "ebcdic"/.test(
          error.message,
        ),
    );
    assert.throws(() => files({ dir: '.', encodng: 'latin1' } as never), /did you mean "encoding"/);
  });
});

describe('text that is not UTF-8, over http()', () => {
  let server: FixtureServer;
  before(async () => {
    server = await startFixtureServer({
      '/undeclared.csv': { headers: { 'content-type': 'text/csv' }, body: latin1(CSV) },
      '/declared.csv': { headers: { 'content-type': 'text/csv; charset=ISO-8859-1' }, body: latin1(CSV) },
    });
  });
  after(() => server.close());

  it('a Latin-1 body without a charset fails naming the URL and line', async () => {
    const { error } = await collectUntilError(
      readSource(http({ url: `${server.url}/undeclared.csv`, name: 'obs' }), testContext()),
    );
    assert.ok(error instanceof SourceError, `fails (got ${String(error)})`);
    assert.match(error.message, /\/undeclared\.csv: line 3 is not valid UTF-8 \(byte 0xE9/);
  });

  it('the Content-Type charset is honoured, and the option overrides a missing one', async () => {
    for (const source of [
      http({ url: `${server.url}/declared.csv`, name: 'obs' }),
      http({ url: `${server.url}/undeclared.csv`, name: 'obs', encoding: 'windows-1252' }),
    ]) {
      const { items, error } = await collectUntilError(readSource(source, testContext()));
      assert.equal(error, undefined);
      assert.deepEqual(recordValues(items).at(1), { station: 'Chambéry', temp: '2' });
    }
  });
});

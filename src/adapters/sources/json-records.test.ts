// Tests for the streaming JSON reader: selectors, truncation, BOM and chunking on a large array.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { upstreamFixture, upstreamFixturePath } from '../../../test/support/fixture-server.ts';
import { SourceError } from '../../domain/errors.ts';
import { parseSelector } from '../../domain/record-selector.ts';
import { files } from '../../domain/source-definition.ts';
import type { RunWarning } from '../../engine/ports.ts';
import { jsonRecords } from './json-records.ts';
import { readSource } from './read-source.ts';
import {
  collectChunks,
  collectItems,
  collectUntilError,
  recordValues,
  testContext,
  withTempDir,
} from './source-test-kit.ts';

const origin = { provider: 'test', file: 'inline.json' };

function bytes(text: string | Buffer): Readable {
  return Readable.from([Buffer.isBuffer(text) ? text : Buffer.from(text)]);
}

async function values(text: string, selector: string): Promise<unknown[]> {
  return recordValues(await collectItems(jsonRecords(bytes(text), parseSelector(selector), origin)));
}

describe('jsonRecords', () => {
  it('gives one record per element of the array at the selector', async () => {
    assert.deepEqual(await values('{"data":[{"a":1},{"a":2}],"meta":{"n":2}}', 'data'), [{ a: 1 }, { a: 2 }]);
  });

  it('gives each element of a top-level array, or a top-level object whole, for an empty selector', async () => {
    assert.deepEqual(await values('[1,{"b":[2]},"x"]', ''), [1, { b: [2] }, 'x']);
    assert.deepEqual(await values('{"a":1}', ''), [{ a: 1 }]);
  });

  it('gives a selected object as one record and nothing for a missing path', async () => {
    assert.deepEqual(await values('{"data":{"k":1}}', 'data'), [{ k: 1 }]);
    assert.deepEqual(await values('{"other":[1]}', 'data'), []);
  });

  it('matches `*` against object keys and array positions, and numbers against either', async () => {
    const text = '{"groups":[{"items":[1,2]},{"items":[3]}],"byKey":{"0":["a"],"1":["b"]}}';
    assert.deepEqual(await values(text, 'groups.*.items'), [1, 2, 3]);
    assert.deepEqual(await values(text, 'groups.1.items'), [3]);
    assert.deepEqual(await values(text, 'byKey.0'), ['a']);
  });

  it('accepts a UTF-8 byte-order mark', async () => {
    assert.deepEqual(await values('\uFEFF[{"idBalise":"67"}]', ''), [{ idBalise: '67' }]);
  });

  it('streams Infoclimat station arrays with `hourly.*`, `_params` names included as strings', async () => {
    const document = JSON.parse(
      upstreamFixture('infoclimat_opendata_4stations_2024-10-05_truncated.json').toString(),
    );
    const hourly = document.hourly as Record<string, unknown[]>;
    const stationRows = Object.entries(hourly)
      .filter(([key]) => key !== '_params')
      .reduce((sum, [, rows]) => sum + rows.length, 0);

    const source = files({ dir: '.', glob: 'infoclimat_*.json', records: 'hourly.*', name: 'infoclimat' });
    const baseDir = path.dirname(
      upstreamFixturePath('infoclimat_opendata_4stations_2024-10-05_truncated.json'),
    );
    const items = await collectItems(readSource(source, testContext({ baseDir })));
    const objects = items.filter((item) => item.kind === 'record' && typeof item.value === 'object');
    const others = recordValues(items).filter((value) => typeof value !== 'object');
    assert.equal(objects.length, stationRows);
    assert.equal(stationRows, 4 * 48);
    // `hourly._params` is an array under `hourly` too: its field names come through as string records.
    assert.deepEqual(others, hourly._params);
    assert.deepEqual(items[0]?.origin, {
      provider: 'infoclimat',
      file: 'infoclimat_opendata_4stations_2024-10-05_truncated.json',
    });
  });

  it('keeps the records before a truncation and then fails with a format error naming the file', async () => {
    await withTempDir(async (dir) => {
      const text =
        '{"hourly":{"07015":[{"t":"12.5"},{"t":"12.1"},{"t":"11.8"}],"00052":[{"t":"10.0"},{"t":"9.';
      await writeFile(path.join(dir, 'truncated.json'), text);
      const { items, error } = await collectUntilError(
        readSource(files({ dir: '.', records: 'hourly.*' }), testContext({ baseDir: dir })),
      );
      assert.ok(error instanceof SourceError);
      assert.equal(error.code, 'source_format_error');
      assert.equal(error.retryable, false);
      assert.match(error.message, /^truncated\.json is not valid JSON: /);
      assert.match(error.message, /truncated\?\) after 90 bytes$/);
      assert.deepEqual(recordValues(items), [{ t: '12.5' }, { t: '12.1' }, { t: '11.8' }, { t: '10.0' }]);
    });
  });

  it('reports malformed JSON in the middle of a document', async () => {
    const { error } = await collectUntilError(
      jsonRecords(bytes('{"data":[1,2,nope]}'), parseSelector('data'), origin),
    );
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'source_format_error');
    assert.match(error.message, /^inline\.json is not valid JSON/);
  });

  it('refuses an HTML page', async () => {
    const { error } = await collectUntilError(
      jsonRecords(bytes('<!DOCTYPE html><html></html>'), parseSelector(''), origin),
    );
    assert.ok(error instanceof SourceError);
    assert.match(error.message, /expected JSON but got an HTML page/);
  });

  it('streams a 200k-element array in bounded chunks', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'large.json');
      const out = createWriteStream(file);
      out.write('{"meta":{"count":200000},"data":[');
      for (let index = 0; index < 200_000; index++) {
        const ok = out.write(`${index === 0 ? '' : ','}{"id":${index},"name":"item ${index}"}`);
        if (!ok) await once(out, 'drain');
      }
      out.end(']}');
      await finished(out);

      const chunks = await collectChunks(
        readSource(files({ dir, glob: '*.json', records: 'data' }), testContext()),
      );
      const sizes = chunks.map((chunk) => chunk.length);
      assert.equal(
        sizes.reduce((sum, size) => sum + size, 0),
        200_000,
      );
      assert.ok(Math.max(...sizes) <= 5000, `largest chunk ${Math.max(...sizes)}`);
      assert.ok(chunks.length >= 40);
      const last = chunks.at(-1)?.at(-1);
      assert.deepEqual(last?.kind === 'record' ? last.value : undefined, {
        id: 199_999,
        name: 'item 199999',
      });
    });
  });

  it('warns no_records, naming the selector and the document, when the selector matches nothing', async () => {
    const warnings: RunWarning[] = [];
    const read = (text: string, selector: string) =>
      collectItems(jsonRecords(bytes(text), parseSelector(selector), origin, (w) => warnings.push(w)));
    assert.deepEqual(await read('{"other":[1],"x":{"data":[2]}}', 'data'), []);
    assert.deepEqual(await read('{"groups":[{"items":1}]}', 'groups.*.rows'), []);
    assert.deepEqual(warnings, [
      { code: 'no_records', message: "the selector 'data' matched nothing in inline.json" },
      { code: 'no_records', message: "the selector 'groups.*.rows' matched nothing in inline.json" },
    ]);
  });

  it('does not warn when the selector matched, even an empty array, nor on a broken document', async () => {
    const warnings: RunWarning[] = [];
    const onWarning = (w: RunWarning) => warnings.push(w);
    await collectItems(jsonRecords(bytes('{"data":[]}'), parseSelector('data'), origin, onWarning));
    await collectItems(jsonRecords(bytes('[]'), parseSelector(''), origin, onWarning));
    await collectItems(jsonRecords(bytes('{"data":[1,2]}'), parseSelector('data'), origin, onWarning));
    await collectUntilError(jsonRecords(bytes('{"other":[1,'), parseSelector('data'), origin, onWarning));
    assert.deepEqual(warnings, []);
  });

  it('warns once per document that the selector misses, with its file or url', async () => {
    await withTempDir(async (dir) => {
      await writeFile(path.join(dir, 'a.json'), '{"data":[{"k":1},{"k":2}]}');
      await writeFile(path.join(dir, 'b.json'), '{"results":[{"k":3},{"k":4}]}');
      await writeFile(path.join(dir, 'c.json'), '{"results":[]}');
      const warnings: RunWarning[] = [];
      const items = await collectItems(
        readSource(
          files({ dir: '.', records: 'data' }),
          testContext({ baseDir: dir, onWarning: (w) => warnings.push(w) }),
        ),
      );
      assert.deepEqual(recordValues(items), [{ k: 1 }, { k: 2 }]);
      assert.deepEqual(
        warnings.map((w) => w.message),
        ["the selector 'data' matched nothing in b.json", "the selector 'data' matched nothing in c.json"],
      );
    });
    const warnings: RunWarning[] = [];
    const url = { provider: 'api', url: 'http://127.0.0.1/v1/items?page=2' };
    await collectItems(
      jsonRecords(bytes('{"items":[]}'), parseSelector('data'), url, (w) => warnings.push(w)),
    );
    assert.deepEqual(warnings, [
      {
        code: 'no_records',
        message: "the selector 'data' matched nothing in http://127.0.0.1/v1/items?page=2",
      },
    ]);
  });
});

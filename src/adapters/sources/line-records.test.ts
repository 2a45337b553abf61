// Tests for the line-oriented readers: NDJSON and CSV/TSV, through the files source.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { SourceError } from '../../domain/errors.ts';
import { parseSelector } from '../../domain/record-selector.ts';
import { files } from '../../domain/source-definition.ts';
import type { RunWarning } from '../../engine/ports.ts';
import { csvRecords } from './csv-records.ts';
import { ndjsonRecords } from './ndjson-records.ts';
import { readSource } from './read-source.ts';
import {
  collectChunks,
  collectItems,
  collectUntilError,
  recordValues,
  testContext,
  withTempDir,
} from './source-test-kit.ts';

describe('ndjsonRecords', () => {
  it('reads one record per line, skips blank lines and rejects a bad line without stopping', async () => {
    const items = await collectItems(
      readSource(files({ dir: '.', glob: 'observations.ndjson' }), testContext()),
    );
    assert.deepEqual(
      items.map((item) => [item.kind, item.origin.line]),
      [
        ['record', 1],
        ['record', 3],
        ['rejected', 4],
        ['record', 5],
      ],
    );
    const rejected = items[2];
    assert.equal(rejected?.kind, 'rejected');
    if (rejected?.kind !== 'rejected') return;
    assert.equal(rejected.raw, '{"station":"07015","temperature":');
    assert.equal(rejected.issues[0]?.code, 'invalid_json');
    assert.deepEqual(rejected.issues[0]?.path, []);
    assert.deepEqual(rejected.origin, { provider: 'files', file: 'observations.ndjson', line: 4 });
    assert.deepEqual(items[3]?.kind === 'record' ? items[3].value : undefined, {
      station: '07015',
      temperature: '11.8',
    });
  });

  it('handles CRLF, a BOM, lines split across input chunks and a last line without a newline', async () => {
    const text = '\uFEFF{"a":1}\r\n{"a":"é"}\r\n{"a":3}';
    const bytes = Buffer.from(text);
    // Cut inside the two-byte "é" to exercise the decoder.
    const cut = bytes.indexOf(Buffer.from('é')) + 1;
    const input = Readable.from([bytes.subarray(0, 5), bytes.subarray(5, cut), bytes.subarray(cut)]);
    const items = await collectItems(ndjsonRecords(input, parseSelector(''), { provider: 'p' }));
    assert.deepEqual(recordValues(items), [{ a: 1 }, { a: 'é' }, { a: 3 }]);
    assert.deepEqual(
      items.map((item) => item.origin.line),
      [1, 2, 3],
    );
  });

  it('applies the selector inside each line', async () => {
    const input = Readable.from([Buffer.from('{"rows":[1,2]}\n{"rows":[3]}\n')]);
    const items = await collectItems(ndjsonRecords(input, parseSelector('rows'), { provider: 'p' }));
    assert.deepEqual(recordValues(items), [1, 2, 3]);
  });

  it('warns no_records when the selector matches nothing in any line, and not for an empty file', async () => {
    const warnings: RunWarning[] = [];
    const lines = Readable.from([Buffer.from('{"rows":[1]}\n{"rows":[2]}\n')]);
    const missed = ndjsonRecords(lines, parseSelector('data'), { provider: 'p', file: 'x.ndjson' }, {}, (w) =>
      warnings.push(w),
    );
    assert.deepEqual(await collectItems(missed), []);
    assert.deepEqual(warnings, [
      { code: 'no_records', message: "the selector 'data' matched nothing in the 2 line(s) of x.ndjson" },
    ]);
    warnings.length = 0;
    const empty = ndjsonRecords(
      Readable.from([Buffer.from('\n')]),
      parseSelector('data'),
      { provider: 'p' },
      {},
      (w) => warnings.push(w),
    );
    assert.deepEqual(await collectItems(empty), []);
    assert.deepEqual(warnings, []);
  });

  it('yields bounded chunks for many short lines', async () => {
    const input = Readable.from([Buffer.from('{"a":1}\n'.repeat(12_000))]);
    const chunks = await collectChunks(ndjsonRecords(input, parseSelector(''), { provider: 'p' }));
    assert.ok(Math.max(...chunks.map((chunk) => chunk.length)) <= 1000);
    assert.equal(chunks.flat().length, 12_000);
  });
});

describe('csvRecords', () => {
  it('reads a CSV with a BOM, CRLF and quoted newlines; a ragged row is a rejected item with its line', async () => {
    const items = await collectItems(
      readSource(files({ dir: '.', glob: 'observations.csv' }), testContext()),
    );
    assert.deepEqual(
      items.map((item) => [item.kind, item.origin.line]),
      [
        ['record', 2],
        ['record', 3],
        ['record', 6],
        ['rejected', 7],
        ['record', 8],
      ],
    );
    assert.deepEqual(items[0]?.kind === 'record' ? items[0].value : undefined, {
      station: '07015',
      observed_at: '2024-10-05 00:00',
      note: 'plain',
      temperature: '12.5',
    });
    const values = recordValues(items) as Array<Record<string, string>>;
    assert.equal(values[1]?.note, 'two\r\nlines, and a comma');
    // Empty fields stay empty strings: the transform and schema decide what they mean.
    assert.equal(values[2]?.note, '');
    assert.equal(values[3]?.note, 'quoted "word"');
    const ragged = items[3];
    assert.equal(ragged?.kind, 'rejected');
    if (ragged?.kind !== 'rejected') return;
    assert.deepEqual(ragged.raw, ['07015', '2024-10-05 03:00', 'ragged']);
    assert.equal(ragged.issues[0]?.code, 'csv_ragged_row');
    assert.match(ragged.issues[0]?.message ?? '', /line 7 has 3 fields but the header has 4/);
    assert.deepEqual(ragged.origin, { provider: 'files', file: 'observations.csv', line: 7 });
  });

  it('fails clearly on an HTML page where CSV was expected', async () => {
    const { items, error } = await collectUntilError(
      readSource(files({ dir: '.', glob: 'html-page.csv' }), testContext()),
    );
    assert.equal(items.length, 0);
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'source_format_error');
    assert.match(error.message, /^html-page\.csv: expected CSV but got an HTML page/);
  });

  it('reads .tsv files with tabs and honours an explicit delimiter', async () => {
    await withTempDir(async (dir) => {
      await writeFile(path.join(dir, 'a.tsv'), 'x\ty\n1\t2\n');
      await writeFile(path.join(dir, 'b.csv'), 'x;y\n3;4\n');
      const tsv = await collectItems(readSource(files({ dir, glob: '*.tsv' }), testContext()));
      assert.deepEqual(recordValues(tsv), [{ x: '1', y: '2' }]);
      const semicolons = await collectItems(
        readSource(files({ dir, glob: '*.csv', csv: { delimiter: ';' } }), testContext()),
      );
      assert.deepEqual(recordValues(semicolons), [{ x: '3', y: '4' }]);
    });
  });

  it('keeps line numbers right when rows and quoted CRLFs are split across input chunks', async () => {
    const bytes = Buffer.from('a,b\r\n"x\r\ny",1\r\n  \r\n\r\n"é",2\r\nz,3');
    const input = Readable.from([...bytes].map((byte) => Buffer.from([byte])));
    const items = await collectItems(csvRecords(input, { provider: 'p' }));
    assert.deepEqual(recordValues(items), [
      { a: 'x\r\ny', b: '1' },
      { a: 'é', b: '2' },
      { a: 'z', b: '3' },
    ]);
    assert.deepEqual(
      items.map((item) => item.origin.line),
      [2, 6, 7],
    );
  });

  it('fails on an unclosed quote with a format error naming the file', async () => {
    const input = Readable.from([Buffer.from('a,b\n1,"open\n2,3\n')]);
    const { error } = await collectUntilError(csvRecords(input, { provider: 'p', file: 'open.csv' }));
    assert.ok(error instanceof SourceError);
    assert.equal(error.code, 'source_format_error');
    assert.match(error.message, /^open\.csv is not valid CSV: /);
  });

  it('keeps a "__proto__" column as a column', async () => {
    const input = Readable.from([Buffer.from('__proto__,b\n1,2\n')]);
    const [value] = recordValues(await collectItems(csvRecords(input, { provider: 'p' }))) as object[];
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value ?? {}), ['__proto__', 'b']);
  });
});

describe('csv records before a fault', () => {
  it('hands over the rows parsed completely before the body fails mid-stream, then fails', async () => {
    const { csvRecords } = await import('./csv-records.ts');
    const input = (async function* () {
      yield Buffer.from('station,temp\na,1\nb,2\nc,3\nd,');
      throw new Error('socket hang up');
    })();
    const values: unknown[] = [];
    let failure: unknown;
    try {
      for await (const chunk of csvRecords(input, { provider: 'test', url: 'http://127.0.0.1/x.csv' })) {
        for (const item of chunk) if (item.kind === 'record') values.push(item.value);
      }
    } catch (error) {
      failure = error;
    }
    assert.deepEqual(values, [
      { station: 'a', temp: '1' },
      { station: 'b', temp: '2' },
      { station: 'c', temp: '3' },
    ]);
    assert.match(String(failure), /not valid CSV: socket hang up/);
  });
});

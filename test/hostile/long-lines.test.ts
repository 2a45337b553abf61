// Hostile line lengths: NDJSON and CSV read a huge line in linear time, and refuse one past the limit.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ByteInput } from '../../src/adapters/sources/byte-input.ts';
import { csvRecords } from '../../src/adapters/sources/csv-records.ts';
import { ndjsonRecords } from '../../src/adapters/sources/ndjson-records.ts';
import { readSource } from '../../src/adapters/sources/read-source.ts';
import {
  collectUntilError,
  recordValues,
  testContext,
  withTempDir,
} from '../../src/adapters/sources/source-test-kit.ts';
import { asyncJob } from '../../src/domain/async-job-definition.ts';
import { ConfigError, SourceError } from '../../src/domain/errors.ts';
import { parseSelector } from '../../src/domain/record-selector.ts';
import { files, http } from '../../src/domain/source-definition.ts';
import type { SourceChunk } from '../../src/domain/source-item.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';

const MiB = 2 ** 20;
const all = parseSelector('');

/** `bytes` in 64 KiB pieces, as a file stream hands them over; `read.bytes` says how far the reader got. */
function pieces(bytes: Buffer, read = { bytes: 0 }): ByteInput {
  return (async function* () {
    for (let at = 0; at < bytes.byteLength; at += 64 * 1024) {
      const piece = bytes.subarray(at, at + 64 * 1024);
      read.bytes += piece.byteLength;
      yield piece;
    }
  })();
}

async function timed(reader: () => AsyncIterable<SourceChunk>): Promise<{ ms: number; records: number }> {
  const started = performance.now();
  let records = 0;
  for await (const chunk of reader()) records += chunk.length;
  return { ms: performance.now() - started, records };
}

/**
 * A quadratic reader took 20–30 s for a 40 MiB line here (and 84 s for 100 MB); a linear one
 * takes a fraction of a second. The bound sits far from both, so a loaded machine does not make
 * it flaky the way a ratio of two short timings would.
 */
async function assertLinear(name: string, reader: (size: number) => AsyncIterable<SourceChunk>) {
  const large = await timed(() => reader(40 * MiB));
  assert.equal(large.records, 2);
  assert.ok(large.ms < 8000, `${name}: a 40 MiB line took ${Math.round(large.ms)} ms (quadratic reading?)`);
}

const generous = { maxLineBytes: 64 * MiB };

describe('hostile NDJSON: one huge line', () => {
  it('a 40 MiB line is read in linear time (well under the 20–30 s quadratic reading took)', {
    timeout: 15_000,
  }, async () => {
    await assertLinear('ndjson', (size) =>
      ndjsonRecords(
        pieces(Buffer.from(`{"v":"${'x'.repeat(size)}"}\n{"v":1}\n`)),
        all,
        { provider: 'p' },
        generous,
      ),
    );
  });

  it('line 3 over a 1 MiB limit fails the file naming the line; lines 1-2 are delivered; reading stops at the limit', async () => {
    const read = { bytes: 0 };
    const input = Buffer.from(`{"v":1}\n{"v":2}\n{"v":"${'x'.repeat(50 * MiB)}"}\n{"v":4}\n`);
    const { items, error } = await collectUntilError(
      ndjsonRecords(
        pieces(input, read),
        all,
        { provider: 'p', file: 'data/huge.ndjson' },
        { maxLineBytes: MiB },
      ),
    );
    assert.deepEqual(recordValues(items), [{ v: 1 }, { v: 2 }]);
    assert.ok(error instanceof SourceError, `fails (got ${String(error)})`);
    assert.equal(error.code, 'source_format_error');
    assert.equal(error.message, 'data/huge.ndjson: line 3 is longer than the 1 MiB line limit');
    assert.ok(read.bytes < 2 * MiB, `read ${read.bytes} bytes of a 50 MiB line before giving up`);
  });

  it('through files(): a 17 MiB line is over the default 16 MiB limit and fails the run with file and line', async () => {
    await withTempDir(async (dir) => {
      await writeFile(path.join(dir, 'big.ndjson'), `{"v":1}\n{"v":"${'x'.repeat(17 * MiB)}"}\n`);
      const { error } = await collectUntilError(
        readSource(files({ dir: '.', name: 'lines' }), testContext({ baseDir: dir })),
      );
      assert.ok(error instanceof SourceError, `fails (got ${String(error)})`);
      assert.equal(
        error.message,
        'big.ndjson: line 2 is longer than the 16 MiB line limit; raise the source option maxLineBytes if such lines are expected',
      );
    });
  });

  it('through files({ maxLineBytes }): the limit is the source option, for NDJSON and CSV alike', async () => {
    await withTempDir(async (dir) => {
      await writeFile(path.join(dir, 'wide.ndjson'), `{"v":1}\n{"v":"${'x'.repeat(2 * MiB)}"}\n`);
      await writeFile(path.join(dir, 'wide.csv'), `v\n1\n${'y'.repeat(2 * MiB)}\n`);
      for (const [glob, what] of [
        ['*.ndjson', 'line 2'],
        ['*.csv', 'the record starting at line 3'],
      ] as const) {
        const { items, error } = await collectUntilError(
          readSource(
            files({ dir: '.', glob, name: 'lines', maxLineBytes: MiB }),
            testContext({ baseDir: dir }),
          ),
        );
        assert.ok(error instanceof SourceError, `fails (got ${String(error)})`);
        assert.match(
          error.message,
          new RegExp(`${what} is longer than the 1 MiB line limit; raise the source option maxLineBytes`),
        );
        assert.equal(items.length, 1, 'the record before the long one is delivered');
      }
      // Raised, the same files read whole.
      const { error } = await collectUntilError(
        readSource(files({ dir: '.', name: 'lines', maxLineBytes: 4 * MiB }), testContext({ baseDir: dir })),
      );
      assert.equal(error, undefined);
    });
    assert.throws(
      () => files({ dir: '.', maxLineBytes: 0 }),
      /files\(\): maxLineBytes must be a positive whole number/,
    );
  });

  it('multi-byte characters split across pieces survive the byte-wise split', async () => {
    const text = `{"v":"${'é€😀'.repeat(50_000)}"}\n`;
    const { items, error } = await collectUntilError(
      ndjsonRecords(pieces(Buffer.from(text)), all, { provider: 'p' }),
    );
    assert.equal(error, undefined);
    assert.deepEqual(recordValues(items), [{ v: 'é€😀'.repeat(50_000) }]);
  });
});

describe('hostile CSV: one huge record', () => {
  it('a quoted 40 MiB field is read in linear time', { timeout: 25_000 }, async () => {
    await assertLinear('csv', (size) =>
      csvRecords(pieces(Buffer.from(`a,b\n"${'y'.repeat(size)}",2\n3,4\n`)), { provider: 'p' }, generous),
    );
  });

  it('a quoted field spanning 5000 lines (5 MiB) over a 1 MiB limit fails naming the line the record starts on', async () => {
    const read = { bytes: 0 };
    const field = `${'z'.repeat(1000)}\n`.repeat(5000);
    const input = Buffer.from(`a,b\n1,2\n"${field}",3\n4,5\n`);
    const { items, error } = await collectUntilError(
      csvRecords(pieces(input, read), { provider: 'p', file: 'data/open.csv' }, { maxLineBytes: MiB }),
    );
    assert.deepEqual(recordValues(items), [{ a: '1', b: '2' }]);
    assert.ok(error instanceof SourceError, `fails (got ${String(error)})`);
    assert.equal(
      error.message,
      'data/open.csv: the record starting at line 3 is longer than the 1 MiB line limit',
    );
    assert.ok(read.bytes < 2 * MiB, `read ${read.bytes} bytes before giving up`);
  });

  it('a 50 MiB line with no newline at all over a 1 MiB limit fails without buffering it', async () => {
    const read = { bytes: 0 };
    const input = Buffer.from(`a,b\n1,${'w'.repeat(50 * MiB)}`);
    const { error } = await collectUntilError(
      csvRecords(pieces(input, read), { provider: 'p', file: 'flat.csv' }, { maxLineBytes: MiB }),
    );
    assert.ok(error instanceof SourceError, `fails (got ${String(error)})`);
    assert.equal(
      error.message,
      'flat.csv: the record starting at line 2 is longer than the 1 MiB line limit',
    );
    assert.ok(read.bytes < 3 * MiB, `read ${read.bytes} bytes before giving up`);
  });
});

describe('hostile CSV over http(): the record limit is an option', () => {
  let server: FixtureServer;
  before(async () => {
    server = await startFixtureServer({
      '/wide.csv': {
        headers: { 'content-type': 'text/csv' },
        body: `a,b\n1,2\n"${'q'.repeat(2 * MiB)}",3\n`,
      },
    });
  });
  after(() => server.close());

  it('a 2 MiB record over maxLineBytes: 1 MiB fails the call, saying which option raises it', async () => {
    const { error } = await collectUntilError(
      readSource(http({ url: `${server.url}/wide.csv`, maxLineBytes: MiB, name: 'wide' }), testContext()),
    );
    assert.ok(error instanceof SourceError, `fails (got ${String(error)})`);
    assert.match(
      error.message,
      /\/wide\.csv: the record starting at line 3 is longer than the 1 MiB line limit; raise the source option maxLineBytes if such lines are expected$/,
    );
  });

  it('maxLineBytes that is not positive is a config error', () => {
    assert.throws(() => http({ url: 'http://127.0.0.1/x.csv', maxLineBytes: 0 }), ConfigError);
  });

  it("an asyncJob()'s fetch takes maxLineBytes too, and defaults to 16 MiB", () => {
    const job = (fetch: object) =>
      asyncJob({
        name: 'ads',
        submit: { url: 'https://ads.example/submit', executionId: 'id' },
        poll: { url: 'https://ads.example/status/{{executionId}}', status: () => 'running' },
        fetch: { url: 'https://ads.example/result/{{executionId}}', ...fetch },
        deadline: '2h',
      });
    assert.equal(job({ maxLineBytes: MiB }).fetch.maxLineBytes, MiB);
    assert.equal(job({}).fetch.maxLineBytes, 16 * MiB);
  });
});

// The connector kit's parallel-array unzip.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unzipColumns } from './unzip.ts';

describe('unzipColumns', () => {
  it('gives one row per index, keyed by column', () => {
    assert.deepEqual(unzipColumns({ time: ['t0', 't1'], temp: [1.5, null] }), [
      { time: 't0', temp: 1.5 },
      { time: 't1', temp: null },
    ]);
  });

  it('pads a short or non-array column with undefined instead of shifting rows', () => {
    assert.deepEqual(unzipColumns({ time: ['t0', 't1', 't2'], temp: [1], wind: 'oops' }), [
      { time: 't0', temp: 1, wind: undefined },
      { time: 't1', temp: undefined, wind: undefined },
      { time: 't2', temp: undefined, wind: undefined },
    ]);
    assert.deepEqual(unzipColumns({}), []);
  });
});

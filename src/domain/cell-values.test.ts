import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { numberOrNull } from './cell-values.ts';

describe('numberOrNull', () => {
  it('reads empty and blank cells as null', () => {
    assert.equal(numberOrNull(''), null);
    assert.equal(numberOrNull('   '), null);
    assert.equal(numberOrNull(null), null);
    assert.equal(numberOrNull(undefined), null);
  });
  it('reads numeric text, tolerating surrounding spaces', () => {
    assert.equal(numberOrNull('12.5'), 12.5);
    assert.equal(numberOrNull(' -3 '), -3);
    assert.equal(numberOrNull('0'), 0);
  });
  it('reads anything else as NaN so validation rejects it', () => {
    assert.ok(Number.isNaN(numberOrNull('N/D')));
    assert.ok(Number.isNaN(numberOrNull('12,5')));
  });
});

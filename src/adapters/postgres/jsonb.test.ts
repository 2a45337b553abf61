// The tagged JSON form of raw quarantined values: pure edge cases, then a round trip through jsonb.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testBackends } from '../../../test/support/databases.ts';
import type { Database } from './database.ts';
import { decodeTagged, encodeTagged, toJsonb } from './jsonb.ts';

/** Values a source or a transform may hand the quarantine, each with a name for failures. */
const CASES: ReadonlyArray<readonly [string, unknown]> = [
  ['plain JSON', { a: 1, b: 'x', c: [true, null, { d: 2.5 }] }],
  ['undefined', undefined],
  ['undefined in an object and an array', { a: undefined, b: [undefined, 1] }],
  ['NaN and infinities', [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]],
  ['negative zero', { t: -0 }],
  ['bigint', { id: 12345678901234567890n, small: -1n }],
  ['Date', new Date('2025-01-02T03:04:05.678Z')],
  ['invalid Date', { at: new Date(Number.NaN) }],
  ['numbers at the edge of a double', [Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2, 0.1 + 0.2, -1e-7]],
  ['an object with a $sluice key', { $sluice: 'NaN', value: 1 }],
  ['a nested $sluice key', { a: { $sluice: { $sluice: 'bigint', value: '1' } } }],
  ['a string that looks like a tag', '{"$sluice":"undefined"}'],
  ['a NUL character', { s: 'a\u0000b', '\u0000k': 1 }],
  ['a lone surrogate', ['\ud800', 'x\udc00y', '😀']],
  ['bytes', { u8: new Uint8Array([0, 1, 254, 255]), buffer: Buffer.from('héllo') }],
  ['empty containers', { o: {}, a: [], s: '' }],
  ['an own __proto__ key', JSON.parse('{"__proto__":{"x":1},"y":2}')],
];

describe('encodeTagged / decodeTagged', () => {
  for (const [name, value] of CASES) {
    it(`round-trips ${name} through JSON text`, () => {
      assert.deepStrictEqual(decodeTagged(JSON.parse(toJsonb(encodeTagged(value)))), value);
    });
  }

  it('leaves plain JSON values as they are', () => {
    const plain = { a: [1, 'x', null, true], b: { c: 2 } };
    assert.deepStrictEqual(encodeTagged(plain), plain);
  });

  it('writes the tags it documents', () => {
    assert.deepStrictEqual(encodeTagged(undefined), { $sluice: 'undefined' });
    assert.deepStrictEqual(encodeTagged(Number.NaN), { $sluice: 'NaN' });
    assert.deepStrictEqual(encodeTagged(10n), { $sluice: 'bigint', value: '10' });
    assert.deepStrictEqual(encodeTagged(new Date(0)), { $sluice: 'Date', value: '1970-01-01T00:00:00.000Z' });
    assert.deepStrictEqual(encodeTagged({ $sluice: 1 }), { $sluice: 'object', value: { $sluice: 1 } });
  });
});

for (const backend of await testBackends()) {
  describe(`tagged values through jsonb on ${backend.kind}`, { skip: backend.skip }, () => {
    let db: Database;
    let close: () => Promise<void>;
    before(async () => {
      ({ db, close } = await backend.open());
      await db.exec('CREATE TABLE tagged (name text PRIMARY KEY, value jsonb)');
    });
    after(() => close());

    for (const [name, value] of CASES) {
      it(`stores and reads back ${name}`, async () => {
        await db.query('INSERT INTO tagged (name, value) VALUES ($1, $2::jsonb)', [
          name,
          toJsonb(encodeTagged(value)),
        ]);
        const { rows } = await db.query<{ value: unknown }>('SELECT value FROM tagged WHERE name = $1', [
          name,
        ]);
        assert.deepStrictEqual(decodeTagged(rows[0]?.value), value);
      });
    }
  });
}

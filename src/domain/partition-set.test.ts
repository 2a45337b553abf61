// The partition product, its keys, key filters, tick targets and deterministic run ids.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError, UsageError } from './errors.ts';
import { type KeyEntry, parsePartitions } from './partition-definition.ts';
import {
  comparePartitions,
  deterministicRunId,
  filterPartitionsByKeys,
  listPartitions,
  parseKeyFilter,
  parsePartitionKey,
  partitionsForTick,
} from './partition-set.ts';

const at = (iso: string) => new Date(iso);

const sitesByDay = parsePartitions('obs', {
  time: { every: 'daily', start: '2025-01-13', end: '2025-01-14', timezone: 'Europe/Paris' },
  keys: {
    name: 'site',
    values: [
      { key: 'annecy', romma_id: '74010' },
      { key: 'chambery', romma_id: '73065' },
    ],
  },
});

const twoKeys = parsePartitions('grid', {
  keys: [
    { name: 'site', keySet: 'sites' },
    { name: 'variable', values: ['temp', 'wind'] },
  ],
});
const keySets = new Map<string, readonly KeyEntry[]>([
  [
    'sites',
    [
      { key: 'annecy', attributes: { romma_id: '74010' } },
      { key: 'lyon', attributes: {} },
    ],
  ],
]);

describe('listPartitions', () => {
  it('is the product of time and keys, time first, in declaration order', () => {
    const partitions = listPartitions(sitesByDay);
    assert.deepEqual(
      partitions.map((p) => p.key),
      [
        '2025-01-13|site=annecy',
        '2025-01-13|site=chambery',
        '2025-01-14|site=annecy',
        '2025-01-14|site=chambery',
      ],
    );
    assert.deepEqual(partitions[1]?.keys, [
      { dimension: 'site', key: 'chambery', attributes: { romma_id: '73065' } },
    ]);
    assert.equal(partitions[1]?.window?.start.toISOString(), '2025-01-12T23:00:00.000Z');
    assert.deepEqual([...partitions].reverse().sort(comparePartitions), partitions);
  });

  it('takes stored key sets from the caller and multiplies several key dimensions', () => {
    assert.deepEqual(
      listPartitions(twoKeys, { keySets }).map((p) => p.key),
      [
        'site=annecy|variable=temp',
        'site=annecy|variable=wind',
        'site=lyon|variable=temp',
        'site=lyon|variable=wind',
      ],
    );
    assert.throws(() => listPartitions(twoKeys), NotFoundError);
  });

  it('narrows to a range, needs an end for open time partitions and bounds the product', () => {
    const open = parsePartitions('obs', { time: { every: 'daily', start: '2025-01-01' } });
    assert.throws(() => listPartitions(open), /open-ended time partitions; give an end/);
    const january = listPartitions(open, {
      from: at('2025-01-10T00:00:00Z'),
      to: at('2025-01-12T00:00:00Z'),
    });
    assert.deepEqual(
      january.map((p) => p.key),
      ['2025-01-10', '2025-01-11'],
    );
    assert.throws(
      () => listPartitions(sitesByDay, { limit: 3 }),
      (error: unknown) => error instanceof UsageError && /4 partitions is more than 3/.test(error.message),
    );
  });
});

describe('parsePartitionKey', () => {
  it('reads back a key with its window and attributes', () => {
    const partition = parsePartitionKey(sitesByDay, '2025-01-14|site=chambery');
    assert.deepEqual(partition, listPartitions(sitesByDay)[3]);
    assert.equal(
      parsePartitionKey(twoKeys, 'site=lyon|variable=wind', keySets).key,
      'site=lyon|variable=wind',
    );
  });

  it('says what a malformed key should look like', () => {
    assert.throws(() => parsePartitionKey(sitesByDay, '2025-01-14'), /must look like daily\|site=<key>/);
    assert.throws(
      () => parsePartitionKey(sitesByDay, '2025-01-14|station=annecy'),
      /expected site=<key> in position 1/,
    );
    assert.throws(
      () => parsePartitionKey(sitesByDay, '2025-01-14|site=paris'),
      /"paris" is not a key of dimension "site"/,
    );
    assert.throws(
      () => parsePartitionKey(sitesByDay, '2025-01-20|site=annecy'),
      /outside the pipeline's range/,
    );
  });
});

describe('filterPartitionsByKeys', () => {
  const all = listPartitions(twoKeys, { keySets });

  it('keeps bare keys for a single dimension and dimension=key items across several', () => {
    const filter = parseKeyFilter(' chambery, ');
    assert.deepEqual(filter, ['chambery']);
    assert.deepEqual(
      filterPartitionsByKeys(sitesByDay, listPartitions(sitesByDay), filter).map((p) => p.key),
      ['2025-01-13|site=chambery', '2025-01-14|site=chambery'],
    );
    assert.deepEqual(
      filterPartitionsByKeys(twoKeys, all, parseKeyFilter('site=annecy,site=lyon,variable=wind')).map(
        (p) => p.key,
      ),
      ['site=annecy|variable=wind', 'site=lyon|variable=wind'],
    );
    assert.equal(filterPartitionsByKeys(twoKeys, all, []).length, 4);
  });

  it('refuses ambiguous, unknown and impossible filters', () => {
    assert.throws(
      () => filterPartitionsByKeys(twoKeys, all, ['annecy']),
      /name the dimension of "annecy" \(site=annecy or variable=annecy\)/,
    );
    assert.throws(
      () => filterPartitionsByKeys(twoKeys, all, ['city=annecy']),
      /"city" is not a key dimension/,
    );
    assert.throws(
      () => filterPartitionsByKeys(twoKeys, all, ['site=paris']),
      /no partition has site=paris \(keys: annecy, lyon\)/,
    );
    const timeOnly = parsePartitions('obs', { time: { every: 'daily', start: '2025-01-01' } });
    assert.throws(() => filterPartitionsByKeys(timeOnly, [], ['a']), /has no key partitions/);
  });
});

describe('partitionsForTick', () => {
  it("targets yesterday in the zone for a daily 02:00 job with 'previous'", () => {
    const daily = parsePartitions('obs', {
      time: { every: 'daily', start: '2025-01-01', timezone: 'Europe/Paris' },
      keys: { name: 'site', values: ['annecy', 'chambery'] },
    });
    // 02:00 in Paris on 31 March 2025 (summer time) is 00:00 UTC.
    const partitions = partitionsForTick(daily, at('2025-03-31T00:00:00Z'));
    assert.deepEqual(
      partitions.map((p) => p.key),
      ['2025-03-30|site=annecy', '2025-03-30|site=chambery'],
    );
    assert.equal(partitions[0]?.window?.start.toISOString(), '2025-03-29T23:00:00.000Z');
    assert.equal(partitions[0]?.window?.end.toISOString(), '2025-03-30T22:00:00.000Z');
  });

  it("targets the window containing the tick with 'current', and nothing outside the range", () => {
    const hourly = parsePartitions('obs', {
      time: { every: 'hourly', start: '2025-01-13', end: '2025-01-13' },
      tickTarget: 'current',
    });
    assert.deepEqual(
      partitionsForTick(hourly, at('2025-01-13T05:00:00Z')).map((p) => p.key),
      ['2025-01-13T05'],
    );
    assert.deepEqual(partitionsForTick(hourly, at('2025-01-14T00:00:00Z')), []);
    assert.equal(partitionsForTick(twoKeys, at('2025-01-13T05:00:00Z'), keySets).length, 4);
  });
});

describe('deterministicRunId', () => {
  const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('is a UUID v5, the same for the same input and different for any other', () => {
    const id = deterministicRunId('obs', '2025-01-13|site=annecy', 1);
    assert.match(id, UUID_V5);
    assert.equal(deterministicRunId('obs', '2025-01-13|site=annecy', 1), id);
    assert.notEqual(deterministicRunId('obs', '2025-01-13|site=annecy', 2), id);
    assert.notEqual(deterministicRunId('obs', '2025-01-14|site=annecy', 1), id);
    assert.notEqual(deterministicRunId('obs2', '2025-01-13|site=annecy', 1), id);
    // The separator keeps ("a", "b|c") and ("a|b", "c") apart.
    assert.notEqual(deterministicRunId('a', 'bc', 1), deterministicRunId('ab', 'c', 1));
    assert.match(deterministicRunId('obs', '', 1), UUID_V5);
  });

  it('refuses an attempt that is not a positive integer', () => {
    assert.throws(() => deterministicRunId('obs', 'k', 0), /positive integer/);
    assert.throws(() => deterministicRunId('obs', 'k', 1.5), UsageError);
  });
});

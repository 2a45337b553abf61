// Partition declarations: resolution of time and key dimensions, defaults and config errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './errors.ts';
import { parsePartitions, type ResolvedPartitioning } from './partition-definition.ts';

function assertConfigError(input: unknown, message: RegExp): void {
  assert.throws(
    () => parsePartitions('obs', input),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      assert.match(error.message, message);
      return true;
    },
  );
}

describe('parsePartitions: time', () => {
  it('resolves dates at local midnight, an end date as inclusive, UTC and previous by default', () => {
    const expected: ResolvedPartitioning = {
      pipeline: 'obs',
      dimensions: [
        {
          kind: 'time',
          name: 'time',
          every: 'daily',
          timezone: 'UTC',
          start: new Date('2025-01-01T00:00:00Z'),
          end: new Date('2026-01-01T00:00:00Z'),
        },
      ],
      time: {
        kind: 'time',
        name: 'time',
        every: 'daily',
        timezone: 'UTC',
        start: new Date('2025-01-01T00:00:00Z'),
        end: new Date('2026-01-01T00:00:00Z'),
      },
      keys: [],
      tickTarget: 'previous',
    };
    assert.deepEqual(
      parsePartitions('obs', { time: { every: 'daily', start: '2025-01-01', end: '2025-12-31' } }),
      expected,
    );
  });

  it('reads dates and local times in the zone, and instants as given', () => {
    const paris = parsePartitions('obs', {
      time: { every: 'hourly', start: '2025-03-30', end: '2025-03-30T05:00', timezone: 'Europe/Paris' },
      tickTarget: 'current',
    });
    assert.equal(paris.time?.start.toISOString(), '2025-03-29T23:00:00.000Z');
    assert.equal(paris.time?.end?.toISOString(), '2025-03-30T03:00:00.000Z');
    assert.equal(paris.tickTarget, 'current');
    const instant = parsePartitions('obs', {
      time: { every: 'monthly', start: '2025-01-01T00:00:00+01:00', timezone: 'Europe/Paris' },
    });
    assert.equal(instant.time?.start.toISOString(), '2024-12-31T23:00:00.000Z');
    assert.equal(instant.time?.end, undefined);
    const date = parsePartitions('obs', {
      time: { every: 'weekly', start: new Date('2024-01-01T00:00:00Z') },
    });
    assert.equal(date.time?.start.toISOString(), '2024-01-01T00:00:00.000Z');
  });

  it('names the pipeline and the field in errors', () => {
    assertConfigError(undefined, /^pipeline "obs": partitions must be an object/);
    assertConfigError({}, /partitions must declare time, keys or both/);
    assertConfigError(
      { time: { every: 'daily', start: '2025-01-01' }, tickTarget: 'next' },
      /partitions\.tickTarget must be 'previous' or 'current'/,
    );
    assertConfigError(
      { time: { every: 'yearly', start: '2025-01-01' } },
      /partitions\.time\.every must be one of 'hourly', 'daily', 'weekly', 'monthly'/,
    );
    assertConfigError({ time: { every: 'daily' } }, /partitions\.time\.start is required/);
    assertConfigError(
      { time: { every: 'daily', start: '01/01/2025' } },
      /partitions\.time\.start must be a date 'YYYY-MM-DD'/,
    );
    assertConfigError(
      { time: { every: 'daily', start: '2025-02-30' } },
      /partitions\.time\.start "2025-02-30" is not a real date/,
    );
    assertConfigError(
      { time: { every: 'daily', start: '2025-01-02', end: '2025-01-01' } },
      /partitions\.time\.end .* must be after start/,
    );
    assertConfigError(
      { time: { every: 'daily', start: '2025-01-01', timezone: 'Mars/Olympus' } },
      /partitions\.time\.timezone "Mars\/Olympus" is not an IANA/,
    );
    assertConfigError(
      { time: { every: 'daily', start: '2025-01-01', tz: 'UTC' } },
      /partitions\.time: unknown option "tz"/,
    );
  });
});

describe('parsePartitions: keys', () => {
  it('resolves a static list with attributes as strings, and a stored key set', () => {
    const resolved = parsePartitions('obs', {
      time: { every: 'daily', start: '2025-01-01' },
      keys: [
        {
          name: 'site',
          values: [{ key: 'annecy', romma_id: '74010', lat: 45.9, active: true }, 'chambery'],
        },
        { name: 'station', keySet: 'stations' },
      ],
    });
    assert.deepEqual(
      resolved.dimensions.map((d) => `${d.kind}:${d.name}`),
      ['time:time', 'keys:site', 'keys:station'],
    );
    assert.deepEqual(resolved.keys[0], {
      kind: 'keys',
      name: 'site',
      source: 'static',
      entries: [
        { key: 'annecy', attributes: { romma_id: '74010', lat: '45.9', active: 'true' } },
        { key: 'chambery', attributes: {} },
      ],
      attributes: ['active', 'lat', 'romma_id'],
    });
    assert.deepEqual(resolved.keys[1], {
      kind: 'keys',
      name: 'station',
      source: 'key_set',
      keySet: 'stations',
    });
  });

  it('accepts keys alone, as one dimension object', () => {
    const resolved = parsePartitions('obs', { keys: { name: 'site', keySet: 'sites' } });
    assert.equal(resolved.time, undefined);
    assert.equal(resolved.dimensions.length, 1);
  });

  it('refuses bad dimensions and keys with the field path', () => {
    assertConfigError(
      { keys: { name: 'site' } },
      /partitions\.keys needs exactly one of values .* or keySet/,
    );
    assertConfigError({ keys: { name: 'site', values: ['a'], keySet: 's' } }, /needs exactly one of values/);
    assertConfigError(
      { keys: { name: 'Site', values: ['a'] } },
      /partitions\.keys\.name must be a lower-case name/,
    );
    assertConfigError({ keys: { name: 'key', values: ['a'] } }, /partitions\.keys\.name "key" is reserved/);
    assertConfigError(
      { keys: { name: 'site', values: [] } },
      /partitions\.keys\.values must list at least one key/,
    );
    assertConfigError({ keys: { name: 'site', values: ['a', 'a'] } }, /values\[1\]: key "a" is listed twice/);
    assertConfigError(
      { keys: { name: 'site', values: ['a|b'] } },
      /values\[0\]: key "a\|b" must be non-empty without spaces/,
    );
    assertConfigError(
      { keys: { name: 'site', values: [{ key: 'a', coords: { lat: 1 } }] } },
      /values\[0\]\.coords must be a string, a number or a boolean/,
    );
    assertConfigError({ keys: { name: 'site', values: [{ id: 'a' }] } }, /values\[0\]\.key must be a string/);
    assertConfigError(
      {
        keys: [
          { name: 'site', values: ['a'] },
          { name: 'site', keySet: 'sites' },
        ],
      },
      /partitions\.keys: two key dimensions are named "site"/,
    );
    assertConfigError(
      { keys: [{ name: 'site', keySet: 'Sites!' }] },
      /partitions\.keys\[0\]\.keySet must be the name of a stored key set/,
    );
  });
});

describe('parsePartitions: unknown options', () => {
  const time = { every: 'daily', start: '2025-01-01' };
  const exactly = (message: string) => new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

  it('names the pipeline, the key and the closest option at the top level and in time', () => {
    assertConfigError(
      { time, tickTaget: 'current' },
      exactly('pipeline "obs": partitions: unknown option "tickTaget" (did you mean "tickTarget"?)'),
    );
    assertConfigError(
      { time: { ...time, timzone: 'Europe/Paris' } },
      exactly('pipeline "obs": partitions.time: unknown option "timzone" (did you mean "timezone"?)'),
    );
    assertConfigError(
      { time: { ...time, zzz: 1 } },
      exactly(
        'pipeline "obs": partitions.time: unknown option "zzz" (valid options: "every", "start", "end", "timezone")',
      ),
    );
  });

  it('checks each key dimension, a single one or one in a list', () => {
    assertConfigError(
      { keys: { name: 'site', value: ['annecy'] } },
      exactly('pipeline "obs": partitions.keys: unknown option "value" (did you mean "values"?)'),
    );
    assertConfigError(
      {
        keys: [
          { name: 'site', values: ['annecy'] },
          { name: 'beacon', keyset: 'beacons' },
        ],
      },
      exactly('pipeline "obs": partitions.keys[1]: unknown option "keyset" (did you mean "keySet"?)'),
    );
  });

  it('keeps the attributes of static keys free-form', () => {
    const resolved = parsePartitions('obs', {
      keys: { name: 'site', values: [{ key: 'annecy', valeus: 1, tickTaget: 'x' }] },
    });
    assert.deepEqual(resolved.keys[0]?.source === 'key_set' ? undefined : resolved.keys[0]?.attributes, [
      'tickTaget',
      'valeus',
    ]);
  });
});

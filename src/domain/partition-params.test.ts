// Partition template parameters: their values, the load-time name check and the run-time attribute check.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from './errors.ts';
import { type KeyEntry, parsePartitions } from './partition-definition.ts';
import {
  assertPartitionTemplateValues,
  assertPartitionTemplateVariables,
  knownPartitionParams,
  partitionParams,
} from './partition-params.ts';
import { listPartitions, parsePartitionKey } from './partition-set.ts';
import { parseTemplate, renderTemplate } from './template.ts';

const daily = parsePartitions('obs', {
  time: { every: 'daily', start: '2025-01-01', timezone: 'Europe/Paris' },
  keys: { name: 'site', values: [{ key: 'annecy', romma_id: '74010', lat: 45.9 }, 'chambery'] },
});

const stored = parsePartitions('grid', {
  time: { every: 'weekly', start: '2024-01-01', end: '2024-12-25' },
  keys: [
    { name: 'site', keySet: 'sites' },
    { name: 'variable', values: ['temp'] },
  ],
});
const keySets = new Map<string, readonly KeyEntry[]>([
  ['sites', [{ key: 'annecy', attributes: { romma_id: '74010', backup_id: '74011' } }]],
]);

describe('knownPartitionParams', () => {
  it('lists time, key and attribute parameters; stored attributes as a wildcard', () => {
    assert.deepEqual(knownPartitionParams(daily), [
      'start_date',
      'end_date',
      'start',
      'end',
      'key',
      'site',
      'site.lat',
      'site.romma_id',
    ]);
    assert.deepEqual(knownPartitionParams(stored), [
      'start_date',
      'end_date',
      'start',
      'end',
      'site',
      'site.*',
      'variable',
    ]);
  });
});

describe('partitionParams', () => {
  it('gives dates in the zone, UTC instants with an exclusive end, the key and its attributes', () => {
    const partition = parsePartitionKey(daily, '2025-10-26|site=annecy');
    assert.deepEqual(partitionParams(partition), {
      start_date: '2025-10-26',
      end_date: '2025-10-26',
      start: '2025-10-25T22:00:00Z',
      end: '2025-10-26T23:00:00Z',
      key: 'annecy',
      site: 'annecy',
      'site.romma_id': '74010',
      'site.lat': '45.9',
    });
  });

  it('gives the inclusive last date of a clipped week and every dimension by name', () => {
    const last = listPartitions(stored, { keySets }).at(-1);
    assert.ok(last);
    const params = partitionParams(last);
    assert.equal(params.start_date, '2024-12-23');
    assert.equal(params.end_date, '2024-12-25');
    assert.equal(params.end, '2024-12-26T00:00:00Z');
    assert.equal(params.key, undefined);
    assert.equal(params.variable, 'temp');
    assert.equal(params['site.backup_id'], '74011');
    const url = parseTemplate(
      'https://api.example/{{site.romma_id}}/{{variable}}?from={{start_date}}&to={{end_date}}',
    );
    assert.equal(renderTemplate(url, params), 'https://api.example/74010/temp?from=2024-12-23&to=2024-12-25');
  });
});

describe('assertPartitionTemplateVariables', () => {
  const where = 'pipeline "obs": source url';

  it('accepts partition and static parameters', () => {
    const parts = parseTemplate('/{{site.romma_id}}/{{start}}/{{end}}/{{key}}/{{token}}');
    assert.doesNotThrow(() => assertPartitionTemplateVariables(where, parts, daily, ['token']));
    const anyStored = parseTemplate('/{{site.anything}}/{{variable}}');
    assert.doesNotThrow(() => assertPartitionTemplateVariables(where, anyStored, stored));
  });

  it('fails at load time for an unknown parameter, naming the known ones', () => {
    assert.throws(
      () => assertPartitionTemplateVariables(where, parseTemplate('/{{site.beacon}}'), daily),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message ===
          'pipeline "obs": source url: unknown template parameter {{site.beacon}} ' +
            '(known parameters: start_date, end_date, start, end, key, site, site.lat, site.romma_id)',
    );
    assert.throws(
      () => assertPartitionTemplateVariables(where, parseTemplate('{{key}}'), stored),
      /unknown template parameter \{\{key\}\}/,
    );
    assert.throws(
      () => assertPartitionTemplateVariables(where, parseTemplate('{{variable.x}}'), stored),
      /\{\{variable\.x\}\}/,
    );
  });

  it('refuses a static parameter that a partition parameter would shadow', () => {
    assert.throws(
      () => assertPartitionTemplateVariables(where, [], daily, ['start_date']),
      /parameter "start_date" is also a partition parameter/,
    );
  });
});

describe('assertPartitionTemplateValues', () => {
  it('names the stored key and its attributes when one is missing at run time', () => {
    const partition = parsePartitionKey(stored, '2024-W10|site=annecy|variable=temp', keySets);
    const params = partitionParams(partition);
    assert.doesNotThrow(() =>
      assertPartitionTemplateValues('obs', parseTemplate('{{site.romma_id}}'), partition, params),
    );
    assert.throws(
      () =>
        assertPartitionTemplateValues(
          'pipeline "grid": source url',
          parseTemplate('{{site.beacon}}'),
          partition,
          params,
        ),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message ===
          'pipeline "grid": source url: partition 2024-W10|site=annecy|variable=temp: key "annecy" of dimension ' +
            '"site" has no attribute "beacon" for {{site.beacon}} (attributes: romma_id, backup_id)',
    );
    assert.throws(
      () => assertPartitionTemplateValues('x', parseTemplate('{{token}}'), partition, params),
      /\{\{token\}\} has no value/,
    );
  });
});

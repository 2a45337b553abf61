// Key sets without a database: declarations in the config, the check of keys before they are
// stored, and what partitions say about an empty set.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { dataset } from './dataset-definition.ts';
import { ConfigError, UsageError } from './errors.ts';
import {
  assertKeySetEntries,
  declaredKeySet,
  describeKeySetIssue,
  keySetNamesOf,
  parseKeySetDeclarations,
  parseKeySetEntries,
} from './key-set.ts';
import { parsePartitions } from './partition-definition.ts';
import { listPartitions, partitionsForTick } from './partition-set.ts';
import { defineConfig, pipeline } from './pipeline-definition.ts';
import { http } from './source-definition.ts';

const obs = dataset('obs', {
  schema: z.object({ site: z.string(), at: z.coerce.date() }),
  key: ['site', 'at'],
  time: 'at',
});
const bySite = pipeline('obs', {
  source: http({ url: 'https://x.test/{{site.romma_id}}' }),
  into: obs,
  partitions: { keys: { name: 'site', keySet: 'sites' } },
});

describe('key set declarations', () => {
  it('resolves declared sets with their seed and description', () => {
    const config = defineConfig({
      pipelines: [bySite],
      keySets: { sites: { seed: 'seeds/sites.json', description: 'weather stations' }, beacons: {} },
    });
    assert.deepEqual(config.keySets.get('sites'), {
      name: 'sites',
      seed: 'seeds/sites.json',
      description: 'weather stations',
    });
    assert.equal(config.keySets.get('beacons')?.seed, undefined);
    assert.equal(defineConfig({}).keySets.size, 0);
  });

  it('refuses a pipeline reading an undeclared set, naming pipeline, dimension, set and the fix', () => {
    assert.throws(
      () => defineConfig({ pipelines: [bySite], keySets: { beacons: {} } }),
      (error: Error) =>
        error instanceof ConfigError &&
        /pipeline "obs": partitions dimension "site" reads key set "sites", which is not declared \(declared: beacons\); declare it with defineConfig\(\{ keySets: \{ sites: \{ seed: 'seeds\/sites\.json' \} \} \}\)/.test(
          error.message,
        ),
    );
    assert.throws(() => defineConfig({ pipelines: [bySite] }), /no key sets are declared/);
  });

  it('checks names, fields and seed file types', () => {
    assert.throws(() => parseKeySetDeclarations({ Sites: {} }), /key set name "Sites" is not valid/);
    assert.throws(() => parseKeySetDeclarations({ 'my-sites': {} }), /not valid/);
    assert.throws(() => parseKeySetDeclarations({ sites: 'seeds.json' }), /keySets\.sites must be an object/);
    assert.throws(
      () => parseKeySetDeclarations({ sites: { file: 'a.json' } }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message === 'keySets.sites: unknown option "file" (valid options: "seed", "description")',
    );
    assert.throws(
      () => defineConfig({ keySets: { sites: { seeds: 'seeds/sites.json' } as never } }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message === 'keySets.sites: unknown option "seeds" (did you mean "seed"?)',
    );
    assert.throws(
      () => parseKeySetDeclarations({ sites: { seed: 'sites.xlsx' } }),
      /keySets\.sites\.seed must be the path of a \.json or \.csv file/,
    );
    assert.throws(() => parseKeySetDeclarations([]), /keySets must be an object/);
    assert.equal(parseKeySetDeclarations({ sites: { seed: 'S.CSV' } }).get('sites')?.seed, 'S.CSV');
  });

  it('names the declared sets when one is unknown', () => {
    const declared = parseKeySetDeclarations({ sites: {}, beacons: {} });
    assert.equal(declaredKeySet('sites', declared).name, 'sites');
    assert.throws(
      () => declaredKeySet('ghost', declared),
      /key set "ghost" is not declared.*declared: sites, beacons/,
    );
  });

  it('lists the sets a partitioning reads, once each', () => {
    const partitioning = parsePartitions('grid', {
      keys: [
        { name: 'site', keySet: 'sites' },
        { name: 'backup', keySet: 'sites' },
        { name: 'variable', values: ['temp'] },
      ],
    });
    assert.deepEqual(keySetNamesOf(partitioning), ['sites']);
    assert.deepEqual(keySetNamesOf(undefined), []);
  });
});

describe('key set entries', () => {
  const flat = { layout: 'flat' as const, locate: (index: number) => `sites.json [${index}]` };

  it('turns attribute values into strings', () => {
    const parsed = parseKeySetEntries(
      [{ key: 'annecy', romma_id: '74010', lat: 45.9, active: true }, { key: 'chambery' }],
      flat,
    );
    assert.deepEqual(parsed, {
      ok: true,
      entries: [
        { key: 'annecy', attributes: { romma_id: '74010', lat: '45.9', active: 'true' } },
        { key: 'chambery', attributes: {} },
      ],
    });
  });

  it('reports every issue with where it is, the field and a code', () => {
    const parsed = parseKeySetEntries(
      [
        { key: 'an necy' },
        { key: 'a|b', 'bad-name': 'x' },
        { key: 'lyon', nested: { lat: 1 } },
        { key: 'lyon' },
        'paris',
        { romma_id: '1' },
        { key: 'x', gone: null, inf: Number.POSITIVE_INFINITY },
      ],
      flat,
    );
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.deepEqual(
      parsed.issues.map((issue) => [issue.code, issue.at, issue.field]),
      [
        ['invalid_key', 'sites.json [0]', 'key'],
        ['invalid_key', 'sites.json [1]', 'key'],
        ['invalid_attribute_name', 'sites.json [1]', 'bad-name'],
        ['invalid_attribute_value', 'sites.json [2]', 'nested'],
        ['duplicate_key', 'sites.json [3]', 'key'],
        ['not_an_object', 'sites.json [4]', undefined],
        ['invalid_key', 'sites.json [5]', 'key'],
        ['invalid_attribute_value', 'sites.json [6]', 'gone'],
        ['invalid_attribute_value', 'sites.json [6]', 'inf'],
      ],
    );
    assert.match(parsed.issues[4]?.message ?? '', /"lyon" is also at sites\.json \[2\]/);
  });

  it('reads the nested layout of the API, naming attributes.<name>', () => {
    const nested = { layout: 'nested' as const, locate: (index: number) => `body.keys[${index}]` };
    const parsed = parseKeySetEntries(
      [
        { key: 'annecy', attributes: { romma_id: 74010 } },
        { key: 'lyon', attributes: { '1st': 'x' }, extra: 1 },
      ],
      nested,
    );
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.deepEqual(
      parsed.issues.map((issue) => [issue.code, issue.field]),
      [
        ['unknown_field', 'extra'],
        ['invalid_attribute_name', 'attributes.1st'],
      ],
    );
    assert.equal(parsed.issues[0]?.message, 'is not a known field (valid fields: "key", "attributes")');
    const typo = parseKeySetEntries([{ key: 'annecy', atributes: { romma_id: 74010 } }], nested);
    assert.deepEqual(typo.ok ? [] : typo.issues.map(describeKeySetIssue), [
      'body.keys[0], field "atributes": is not a known field (did you mean "attributes"?)',
    ]);
    assert.deepEqual(parseKeySetEntries([{ key: 'annecy', attributes: { romma_id: 74010 } }], nested), {
      ok: true,
      entries: [{ key: 'annecy', attributes: { romma_id: '74010' } }],
    });
  });

  it('keeps an attribute named __proto__ as an attribute', () => {
    const parsed = parseKeySetEntries([JSON.parse('{"key":"a","__proto__":"x"}')], flat);
    assert.ok(parsed.ok);
    assert.equal(Object.getOwnPropertyDescriptor(parsed.entries[0]?.attributes, '__proto__')?.value, 'x');
  });

  it('throws one UsageError naming what was read and saying nothing changed', () => {
    assert.throws(
      () => assertKeySetEntries('seeds/sites.json', [{ key: 'a b' }], flat),
      (error: Error) =>
        error instanceof UsageError &&
        error.message.startsWith('seeds/sites.json is not valid (1 problem; nothing was changed):') &&
        error.message.includes('sites.json [0], field "key": must be a non-empty string'),
    );
  });
});

describe('partitions over a stored key set', () => {
  const partitioning = parsePartitions('obs', {
    time: { every: 'daily', start: '2025-01-01', end: '2025-01-02' },
    keys: { name: 'site', keySet: 'sites' },
  });

  it('says how to load an empty set instead of producing no partitions', () => {
    const empty = new Map([['sites', []]]);
    const expected =
      /key set "sites" is empty: load it with `sluice seed sites` or `sluice keys sites add <key> \[attribute=value …\]`/;
    assert.throws(() => listPartitions(partitioning, { keySets: empty }), expected);
    assert.throws(() => partitionsForTick(partitioning, new Date('2025-01-02T00:00:00Z'), empty), expected);
  });

  it('takes the stored keys in the order they were loaded', () => {
    const sites = new Map([
      [
        'sites',
        [
          { key: 'annecy', attributes: {} },
          { key: 'lyon', attributes: {} },
        ],
      ],
    ]);
    assert.deepEqual(
      listPartitions(partitioning, { keySets: sites }).map((partition) => partition.key),
      ['2025-01-01|site=annecy', '2025-01-01|site=lyon', '2025-01-02|site=annecy', '2025-01-02|site=lyon'],
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { dataset } from './dataset-definition.ts';
import { ConfigError } from './errors.ts';
import { defineConfig, pipeline } from './pipeline-definition.ts';
import { validateRecord } from './record-validation.ts';
import { files, http, secret } from './source-definition.ts';

const schema = z.object({ station: z.string(), at: z.coerce.date(), value: z.number().nullable() });

describe('dataset()', () => {
  it('derives typed columns from the zod schema', () => {
    const d = dataset('all_types', {
      schema: z.object({
        s: z.string(),
        n: z.number(),
        i: z.int(),
        b: z.bigint().optional(),
        flag: z.boolean(),
        day: z.iso.date(),
        at: z.iso.datetime(),
        when: z.date().nullable(),
        coerced: z.coerce.number(),
        kind: z.enum(['a', 'b']),
        obj: z.object({ x: z.number() }),
        list: z.array(z.string()).optional(),
        dec: z.string().meta({ pgType: 'numeric' }),
        piped: z.string().pipe(z.coerce.number()),
        with_default: z.number().default(1),
      }),
      key: ['s'],
      time: 'at',
    });
    assert.deepEqual(
      d.columns.map((c) => `${c.name}:${c.type}${c.nullable ? '?' : ''}`),
      [
        's:text',
        'n:double precision',
        'i:bigint',
        'b:bigint?',
        'flag:boolean',
        'day:date',
        'at:timestamp with time zone',
        'when:timestamp with time zone?',
        'coerced:double precision',
        'kind:text',
        'obj:jsonb',
        'list:jsonb?',
        'dec:numeric',
        'piped:double precision',
        'with_default:double precision',
      ],
    );
  });

  it('names the dataset and field in every definition error', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [
        () => dataset('Bad-Name', { schema, key: ['station'], time: 'at' }),
        /dataset name "Bad-Name" is not a valid name/,
      ],
      [
        () => dataset('d', { schema, key: ['nope' as 'station'], time: 'at' }),
        /dataset "d": key column "nope" is not a field/,
      ],
      [
        () => dataset('d', { schema, key: ['station'], time: 'value' }),
        /dataset "d": time column "value" must be a date/,
      ],
      [
        // A JavaScript config can leave out the option its types require.
        () => dataset('d', { schema, key: ['station'] } as unknown as Parameters<typeof dataset>[1]),
        /dataset "d": needs a `time` option naming the date column .* \(time: 'at'\)/,
      ],
      [
        () => dataset('d', { schema, key: ['value'], time: 'at' }),
        /key column "value" is optional or nullable/,
      ],
      [
        () =>
          dataset('d', {
            schema: z.object({ at: z.date(), m: z.map(z.string(), z.string()) }),
            key: ['at'],
            time: 'at',
          }),
        /dataset "d": field "m" is not supported: zod type "map"/,
      ],
      [
        () =>
          dataset('d', {
            schema: z.object({ at: z.date(), t: z.string().transform(Number) }),
            key: ['at'],
            time: 'at',
          }),
        /field "t" is not supported: a .transform\(\) output has no known type/,
      ],
      [
        () =>
          dataset('d', {
            schema: z.object({ at: z.date(), camelCase: z.string() }),
            key: ['at'],
            time: 'at',
          }),
        /dataset "d": field "camelCase" is not a valid name/,
      ],
      [
        () =>
          dataset('d', { schema: z.object({ at: z.date(), _run_id: z.string() }), key: ['at'], time: 'at' }),
        /field "_run_id" is reserved/,
      ],
    ];
    for (const [define, message] of cases) {
      assert.throws(define, (error: unknown) => error instanceof ConfigError && message.test(error.message));
    }
  });
});

describe('defineConfig()', () => {
  const d = dataset('obs', { schema, key: ['station', 'at'], time: 'at' });
  const source = files({ dir: 'data' });

  it('resolves datasets referenced by name', () => {
    const config = defineConfig({ datasets: [d], pipelines: [pipeline('p', { source, into: 'obs' })] });
    assert.equal(config.pipelines.get('p')?.into, d);
  });

  it('rejects a pipeline into a missing dataset, naming both', () => {
    assert.throws(
      () => defineConfig({ datasets: [d], pipelines: [pipeline('p', { source, into: 'missing' })] }),
      /pipeline "p": into references dataset "missing", which is not defined \(defined: obs\)/,
    );
  });

  it('rejects duplicate pipeline and dataset names', () => {
    assert.throws(
      () =>
        defineConfig({ pipelines: [pipeline('p', { source, into: d }), pipeline('p', { source, into: d })] }),
      /pipeline "p": defined twice/,
    );
    const other = dataset('obs', { schema, key: ['station'], time: 'at' });
    assert.throws(() => defineConfig({ datasets: [d, other] }), /two different datasets are named "obs"/);
  });

  it('rejects unknown template parameters at load time', () => {
    assert.throws(
      () =>
        pipeline('p', {
          source: http({ url: 'https://example.test/{{station}}', query: { key: secret('API_KEY') } }),
          into: d,
          params: { site: 'x' },
        }),
      /pipeline "p": source url: unknown template parameter \{\{station\}\} \(known parameters: site\)/,
    );
  });
});

describe('validateRecord()', () => {
  const d = dataset('obs', { schema, key: ['station', 'at'], time: 'at' });

  it('encodes valid records as column texts', () => {
    const result = validateRecord(d, { station: 's', at: '2024-10-05T00:00:00Z', value: 1.5 });
    assert.deepEqual(result, { ok: true, row: ['s', '2024-10-05T00:00:00.000Z', '1.5'], warnings: [] });
  });

  it('returns issues with path, code and message for a record with a wrong type', () => {
    const result = validateRecord(d, { station: 's', at: '2024-10-05T00:00:00Z', value: 'warm' });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(
      result.issues.map((i) => [i.path.join('.'), i.code]),
      [['value', 'invalid_type']],
    );
    assert.match(result.issues[0]?.message ?? '', /expected number/);
  });

  it('rejects non-objects without throwing', () => {
    assert.deepEqual(validateRecord(d, 'text'), {
      ok: false,
      stage: 'validate',
      issues: [{ path: [], code: 'invalid_type', message: 'expected a record object, got string' }],
    });
  });
});

// A partitioned pipeline: its partitions are resolved and its source templates checked at load.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { dataset } from './dataset-definition.ts';
import { pipeline } from './pipeline-definition.ts';
import { http } from './source-definition.ts';

const obs = dataset('obs', {
  schema: z.object({ site: z.string(), at: z.coerce.date(), value: z.number() }),
  key: ['site', 'at'],
  time: 'at',
});
const partitions = {
  time: { every: 'weekly', start: '2024-01-01', timezone: 'Europe/Paris' },
  keys: { name: 'site', values: [{ key: 'annecy', romma_id: '74010' }, 'chambery'] },
} as const;

describe('partitioned pipelines', () => {
  it('resolves partitions and accepts partition parameters in source templates', () => {
    const defined = pipeline('obs', {
      source: http({
        url: 'https://example.test/{{site.romma_id}}?from={{start_date}}&to={{end_date}}&k={{key}}&t={{token}}',
      }),
      into: obs,
      params: { token: 'abc' },
      partitions,
    });
    assert.equal(defined.partitioning?.time?.every, 'weekly');
    assert.deepEqual(
      defined.partitioning?.keys.map((dimension) => dimension.name),
      ['site'],
    );
  });

  it('names an unknown template parameter with the known ones', () => {
    assert.throws(
      () =>
        pipeline('obs', {
          source: http({ url: 'https://example.test/{{site.beacon}}?from={{start_date}}' }),
          into: obs,
          partitions,
        }),
      /pipeline "obs": source url: unknown template parameter \{\{site\.beacon\}\}.*site\.romma_id/,
    );
  });

  it('still refuses partition parameters on a pipeline without partitions', () => {
    assert.throws(
      () => pipeline('obs', { source: http({ url: 'https://example.test/{{start_date}}' }), into: obs }),
      /unknown template parameter \{\{start_date\}\}/,
    );
    assert.equal(
      pipeline('obs', { source: http({ url: 'https://example.test/' }), into: obs }).partitioning,
      undefined,
    );
  });

  it('reports a bad partitions declaration with the pipeline and field', () => {
    assert.throws(
      () =>
        pipeline('obs', {
          source: http({ url: 'https://example.test/' }),
          into: obs,
          partitions: { time: { every: 'yearly' as 'daily', start: '2024-01-01' } },
        }),
      /pipeline "obs": partitions\.time\.every must be one of/,
    );
  });
});

// Resolving the partition a run collects: from a key or a date, with its parameters checked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { dataset } from './dataset-definition.ts';
import { partitionKeyForDate, resolvePartitionRun } from './partition-run.ts';
import { defineConfig, pipeline, type ResolvedPipeline } from './pipeline-definition.ts';
import { http } from './source-definition.ts';

const obs = dataset('obs', {
  schema: z.object({ site: z.string(), at: z.coerce.date() }),
  key: ['site', 'at'],
  time: 'at',
});

function resolved(url: string): ResolvedPipeline {
  const defined = pipeline('obs', {
    source: http({ url }),
    into: obs,
    params: { token: 't' },
    partitions: {
      time: { every: 'weekly', start: '2025-01-01', timezone: 'Europe/Paris' },
      keys: { name: 'site', keySet: 'sites' },
    },
  });
  const found = defineConfig({ pipelines: [defined], keySets: { sites: {} } }).pipelines.get('obs');
  assert.ok(found);
  return found;
}

const sites = new Map([['sites', [{ key: 'annecy', attributes: { romma_id: '74010' } }]]]);

describe('partition runs', () => {
  it('merges the partition parameters over the static ones', () => {
    const run = resolvePartitionRun(
      resolved('https://x.test/{{site.romma_id}}?d={{start_date}}&t={{token}}'),
      '2025-W03|site=annecy',
      sites,
    );
    assert.equal(run.problem, undefined);
    assert.equal(run.partition?.key, '2025-W03|site=annecy');
    assert.equal(run.pipeline.params.start_date, '2025-01-13');
    assert.equal(run.pipeline.params['site.romma_id'], '74010');
    assert.equal(run.pipeline.params.token, 't');
  });

  it('reports a stored key without the attribute a template uses as the run problem', () => {
    const run = resolvePartitionRun(
      resolved('https://x.test/{{site.beacon}}'),
      '2025-W03|site=annecy',
      sites,
    );
    assert.match(
      run.problem?.message ?? '',
      /partition 2025-W03\|site=annecy: key "annecy" of dimension "site" has no attribute "beacon".*romma_id/,
    );
  });

  it('finds the time window containing a local date', () => {
    const partitioning = resolved('https://x.test/').partitioning;
    assert.ok(partitioning);
    assert.equal(partitionKeyForDate(partitioning, '2025-01-19', 'site=annecy'), '2025-W03|site=annecy');
    assert.throws(() => partitionKeyForDate(partitioning, '2025-01-19'), /--partition \(site=<key>\)/);
    assert.throws(() => partitionKeyForDate(partitioning, '2025-02-30', 'site=a'), /YYYY-MM-DD/);
    assert.throws(() => partitionKeyForDate(partitioning, '2024-06-01', 'site=a'), /outside/);
  });
});

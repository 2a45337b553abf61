import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asyncJob } from './async-job-definition.ts';
import { ConfigError } from './errors.ts';
import { assertKnownKeys, closestMatch, levenshtein } from './option-keys.ts';
import { files, http, staticValue } from './source-definition.ts';

describe('option keys', () => {
  it('measures edit distance', () => {
    assert.equal(levenshtein('schedul', 'schedule'), 1);
    assert.equal(levenshtein('freshnes', 'freshness'), 1);
    assert.equal(levenshtein('', 'abc'), 3);
    assert.equal(levenshtein('kitten', 'sitting'), 3);
  });

  it('suggests the closest key, or none when nothing is close', () => {
    assert.equal(closestMatch('schedul', ['source', 'schedule', 'into']), 'schedule');
    assert.equal(closestMatch('TimeoutMS', ['timeoutMs', 'maxBytes']), 'timeoutMs');
    assert.equal(closestMatch('zzzzzzzz', ['url', 'name']), undefined);
  });

  it('throws a ConfigError naming where, the key and the suggestion', () => {
    assert.throws(
      () => assertKnownKeys('pipeline "x"', { source: 1, schedul: 2 }, ['source', 'schedule']),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message === 'pipeline "x": unknown option "schedul" (did you mean "schedule"?)',
    );
    assert.throws(
      () => assertKnownKeys('w', { zzzzzzzz: 1 }, ['url', 'name']),
      /w: unknown option "zzzzzzzz" \(valid options: "url", "name"\)/,
    );
    assert.doesNotThrow(() => assertKnownKeys('w', { url: 1 }, ['url']));
    assert.doesNotThrow(() => assertKnownKeys('w', undefined, ['url']));
  });
});

describe('source definitions reject unknown options', () => {
  const url = 'https://example.test/data';
  it('http()', () => {
    assert.throws(
      () => http({ url, name: 'api', timeout: 5 } as never),
      /^ConfigError: http\(\) "api": unknown option "timeout" \(did you mean "timeoutMs"\?\)$/,
    );
    assert.throws(
      () => http({ url, retry: { attempt: 2 } } as never),
      /retry: unknown option "attempt" \(did you mean "attempts"\?\)/,
    );
    assert.throws(
      () => http({ url, csv: { delimeter: ';' } } as never),
      /csv: unknown option "delimeter" \(did you mean "delimiter"\?\)/,
    );
  });
  it('files() and staticValue()', () => {
    assert.throws(
      () => files({ dir: 'in', globs: '*.csv' } as never),
      /^ConfigError: files\(\): unknown option "globs" \(did you mean "glob"\?\)$/,
    );
    assert.throws(
      () => staticValue({ name: 'x', records: [{}], asof: '2025-01-01' } as never),
      /staticValue\(\) "x": unknown option "asof" \(did you mean "asOf"\?\)/,
    );
  });
  it('asyncJob()', () => {
    assert.throws(
      () =>
        asyncJob({
          name: 'job',
          submit: { url, executionId: 'id' },
          poll: { url, status: () => 'running', interval: 5 },
          fetch: { url },
          deadline: '1h',
        } as never),
      /asyncJob\("job"\): poll: unknown option "interval"/,
    );
  });
});

describe('dataset, pipeline and config reject unknown options', async () => {
  const { dataset } = await import('./dataset-definition.ts');
  const { defineConfig, pipeline } = await import('./pipeline-definition.ts');
  const { z } = await import('zod');
  const schema = z.object({ id: z.string(), at: z.coerce.date() });
  it('names the definition, the key and the suggestion', () => {
    assert.throws(
      () => dataset('d', { schema, key: ['id'], time: 'at', freshnes: { maxAge: '1d' } } as never),
      /^ConfigError: dataset "d": unknown option "freshnes" \(did you mean "freshness"\?\)$/,
    );
    assert.throws(
      () => pipeline('x', { source: files({ dir: 'in' }), into: 'd', schedul: {} } as never),
      /^ConfigError: pipeline "x": unknown option "schedul" \(did you mean "schedule"\?\)$/,
    );
    assert.throws(
      () => defineConfig({ pipeline: [] } as never),
      /defineConfig\(\): unknown option "pipeline" \(did you mean "pipelines"\?\)/,
    );
  });
});

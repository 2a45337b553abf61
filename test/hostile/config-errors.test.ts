// Hostile configuration and bodies: dataset fields that cannot be columns, an invalid
// SLUICE_DB_SCHEMA, and response bodies whose Content-Encoding is a lie. Each gets an error that
// names where and what, never a crash deep inside.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { readSource } from '../../src/adapters/sources/read-source.ts';
import { collectUntilError, recordValues, testContext } from '../../src/adapters/sources/source-test-kit.ts';
import { dataset } from '../../src/domain/dataset-definition.ts';
import { ConfigError, SourceError } from '../../src/domain/errors.ts';
import { http } from '../../src/domain/source-definition.ts';
import { openSluice } from '../../src/main.ts';
import { runCliInProcess } from '../support/cli.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { withInitProject } from '../support/project.ts';

describe('dataset fields that cannot be columns', () => {
  const declare = (field: string) => () =>
    dataset('weather', {
      // A computed key makes an own property even for __proto__, as JSON.parse does.
      schema: z.object({ [field]: z.string(), day: z.iso.date() }),
      key: ['day'],
      time: 'day',
    });

  for (const field of ['__proto__', 'constructor']) {
    it(`a field named ${field}: ConfigError naming the dataset and the field`, () => {
      assert.throws(declare(field), (error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(
          error.message,
          new RegExp(
            `^dataset "weather": field "${field}" cannot be used: every JavaScript object has a property of that name`,
          ),
        );
        return true;
      });
    });
  }

  for (const field of ['Temp-C', 'a'.repeat(64), 'température', 'two words', '']) {
    it(`a field named ${JSON.stringify(field.slice(0, 12))}: ConfigError with the accepted form`, () => {
      assert.throws(declare(field), (error) => {
        assert.ok(error instanceof ConfigError);
        assert.ok(
          error.message.startsWith(
            `dataset "weather": field "${field}" is not a valid name: use lower-case letters`,
          ),
        );
        return true;
      });
    });
  }
});

describe('SLUICE_DB_SCHEMA', () => {
  let project: { dir: string; remove(): Promise<void> };
  before(async () => {
    project = await withInitProject();
  });
  after(async () => {
    delete process.env.SLUICE_DB_SCHEMA;
    await project.remove();
  });

  it('an invalid value ("Analytics-Prod"): ConfigError naming the variable and the accepted form', async () => {
    process.env.SLUICE_DB_SCHEMA = 'Analytics-Prod';
    await assert.rejects(
      openSluice({
        cwd: project.dir,
        dataDir: `${project.dir}/.sluice`,
        logger: createLogger({ level: 'silent' }),
      }),
      (error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(
          error.message,
          /^SLUICE_DB_SCHEMA "Analytics-Prod" is not a valid name: use lower-case letters, digits and underscores/,
        );
        return true;
      },
    );
    delete process.env.SLUICE_DB_SCHEMA;
  });

  it('through the CLI ("x; drop table y"): exit code 2 and the same message', async () => {
    const result = await runCliInProcess(['run', 'readings_csv'], {
      cwd: project.dir,
      env: { SLUICE_DB_SCHEMA: 'x; drop table y' },
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /SLUICE_DB_SCHEMA "x; drop table y" is not a valid name: use lower-case letters/,
    );
  });
});

describe('Content-Encoding that does not match the body', () => {
  let server: FixtureServer;
  const json = '[{"a":1},{"a":2}]';
  before(async () => {
    server = await startFixtureServer({
      '/real-gzip': {
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(json),
      },
      '/fake-gzip': {
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: json,
      },
      '/unknown': {
        headers: { 'content-type': 'application/json', 'content-encoding': 'compress' },
        body: json,
      },
      '/bomb': {
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20)),
      },
    });
  });
  after(() => server.close());

  const read = async (path: string, maxBytes?: number) => {
    const source = http({ url: `${server.url}${path}`, retry: false, ...(maxBytes ? { maxBytes } : {}) });
    const { items, error } = await collectUntilError(readSource(source, testContext()));
    return { values: recordValues(items), error };
  };

  it('a gzip body declared gzip: decoded into records', async () => {
    const { values, error } = await read('/real-gzip');
    assert.equal(error, undefined);
    assert.deepEqual(values, [{ a: 1 }, { a: 2 }]);
  });

  it('a plain body declared gzip: fails saying it is not gzip data', async () => {
    const { values, error } = await read('/fake-gzip');
    assert.deepEqual(values, []);
    assert.ok(error instanceof SourceError);
    assert.match(
      error.message,
      /\/fake-gzip: the body is declared Content-Encoding: gzip but is not valid gzip data \(incorrect header check\)/,
    );
  });

  it('a coding sluice cannot decode ("compress"): fails naming it and the ones it reads', async () => {
    const { error } = await read('/unknown');
    assert.ok(error instanceof SourceError);
    assert.match(
      error.message,
      /Content-Encoding "compress", which sluice cannot decode \(it reads gzip, x-gzip, deflate, br\)/,
    );
  });

  it('4 KB of gzip that expands to 4 MiB with maxBytes 1 MiB: fails at the decoded cap', async () => {
    const { error } = await read('/bomb', 1024 * 1024);
    assert.ok(error instanceof SourceError);
    assert.match(error.message, /the decoded response body is larger than maxBytes \(1048576 bytes\)/);
  });
});

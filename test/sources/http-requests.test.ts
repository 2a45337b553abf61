// What an http() source sends: POST with a JSON or form body rendered from the run's parameters
// (form values may be secrets), a default User-Agent naming sluice, and how a POST follows redirects.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { readSource } from '../../src/adapters/sources/read-source.ts';
import { collectUntilError, recordValues, testContext } from '../../src/adapters/sources/source-test-kit.ts';
import { dataset } from '../../src/domain/dataset-definition.ts';
import { ConfigError, SourceError } from '../../src/domain/errors.ts';
import { pipeline } from '../../src/domain/pipeline-definition.ts';
import { http, secret } from '../../src/domain/source-definition.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';

const SECRET = 'form-S3cr3t&key=1';
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

describe('http() requests', () => {
  let a: FixtureServer;
  let b: FixtureServer;
  const seen: Seen[] = [];
  const record =
    (answer: (request: IncomingMessage, response: ServerResponse, body: string) => void) =>
    (request: IncomingMessage, response: ServerResponse) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        seen.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body });
        answer(request, response, body);
      });
    };
  const echo = record((request, response, body) =>
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify([{ method: request.method, body }])),
  );

  before(async () => {
    process.env.HTTP_POST_TEST_SECRET = SECRET;
    b = await startFixtureServer({ '/echo': echo });
    a = await startFixtureServer({
      '/echo': echo,
      '/fail': record((_request, response) => response.writeHead(500).end('upstream broke')),
      '/empty': record((_request, response) => response.writeHead(204).end()),
      '/see-other': record((_request, response) => response.writeHead(303, { location: '/echo' }).end()),
      '/temporary': record((_request, response) => response.writeHead(307, { location: '/echo' }).end()),
      '/elsewhere': record((_request, response) =>
        response.writeHead(307, { location: `${b.url}/echo` }).end(),
      ),
    });
  });
  after(async () => {
    await a.close();
    await b.close();
    delete process.env.HTTP_POST_TEST_SECRET;
  });
  const read = async (source: ReturnType<typeof http>, params: Record<string, string> = {}) => {
    const { items, error } = await collectUntilError(readSource(source, testContext({ params })));
    return { values: recordValues(items), error };
  };
  const last = () => seen.at(-1)!;

  it('sends a GET with a User-Agent naming sluice and its version, unless the source sets one', async () => {
    await read(http({ url: `${a.url}/echo` }));
    assert.equal(last().method, 'GET');
    assert.equal(last().headers['user-agent'], `sluice/${VERSION} (data collection; https://sluice.dev)`);
    await read(http({ url: `${a.url}/echo`, headers: { 'User-Agent': 'acme-weather/2.0' } }));
    assert.equal(last().headers['user-agent'], 'acme-weather/2.0');
  });

  it('POSTs a JSON body with its placeholders filled from the run’s parameters', async () => {
    const source = http({
      url: `${a.url}/echo`,
      method: 'POST',
      body: { json: { query: 'SELECT * FROM clicks WHERE day = {{day}}', limit: 100, flags: [true, null] } },
    });
    const { values, error } = await read(source, { day: '2025-06-13' });
    assert.equal(error, undefined);
    assert.equal(last().method, 'POST');
    assert.equal(last().headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(last().body), {
      query: 'SELECT * FROM clicks WHERE day = 2025-06-13',
      limit: 100,
      flags: [true, null],
    });
    assert.deepEqual(values, [{ method: 'POST', body: last().body }]);
  });

  it('POSTs a form with a secret() value, and keeps the secret out of the failure', async () => {
    const form = (path: string) =>
      http({
        url: `${a.url}${path}`,
        method: 'POST',
        body: {
          form: {
            grant_type: 'client_credentials',
            client_secret: secret('HTTP_POST_TEST_SECRET'),
            day: '{{day}}',
          },
        },
        retry: { attempts: 1 },
      });
    await read(form('/echo'), { day: '2025-06-13' });
    assert.equal(last().headers['content-type'], 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(last().body)), {
      grant_type: 'client_credentials',
      client_secret: SECRET,
      day: '2025-06-13',
    });
    const { error } = await read(form('/fail'), { day: '2025-06-13' });
    assert.ok(error instanceof SourceError, String(error));
    assert.match(error.message, /500/);
    assert.ok(!error.message.includes(SECRET) && !error.message.includes(encodeURIComponent(SECRET)));
  });

  it('continues a POST with a GET after a 303, and resends it to the same origin after a 307', async () => {
    const post = (path: string) =>
      http({ url: `${a.url}${path}`, method: 'POST', body: { json: { n: 1 } }, redirects: 'follow' });
    const other = await read(post('/see-other'));
    assert.deepEqual(other.values, [{ method: 'GET', body: '' }]);
    const again = await read(post('/temporary'));
    assert.deepEqual(again.values, [{ method: 'POST', body: '{"n":1}' }]);
  });

  it('refuses to resend a body to another origin, even with redirects: follow', async () => {
    const before = b.requests.length;
    const { error } = await read(
      http({ url: `${a.url}/elsewhere`, method: 'POST', body: { json: { n: 1 } }, redirects: 'follow' }),
    );
    assert.ok(error instanceof SourceError, String(error));
    assert.match(
      error.message,
      /POST .*\/elsewhere redirected with 307 to .*another origin.*does not resend a body/,
    );
    assert.equal(b.requests.length, before, 'the other origin saw nothing');
  });

  it('reads a 204 No Content as no records, with a no_records warning, not a JSON error', async () => {
    const warnings: Array<{ code: string; message: string }> = [];
    const { items, error } = await collectUntilError(
      readSource(
        http({ url: `${a.url}/empty` }),
        testContext({ onWarning: (warning) => warnings.push(warning) }),
      ),
    );
    assert.equal(error, undefined);
    assert.deepEqual(items, []);
    assert.deepEqual(
      warnings.map((warning) => warning.code),
      ['no_records'],
    );
    assert.match(warnings[0]?.message ?? '', /\/empty answered 204 No Content: no records/);
  });

  it('refuses a body it cannot send, when the config loads', () => {
    const url = `${a.url}/echo`;
    const cases: Array<[string, () => unknown, RegExp]> = [
      ['a body on a GET', () => http({ url, body: { json: {} } }), /a body is sent with method: 'POST' only/],
      ['an unknown method', () => http({ url, method: 'PATCH' as 'POST' }), /unknown method "PATCH"/],
      [
        'json and form at once',
        () => http({ url, method: 'POST', body: { json: {}, form: {} } as unknown as { json: null } }),
        /body must be \{ json: … \} or \{ form/,
      ],
      [
        'a function in the JSON',
        () => http({ url, method: 'POST', body: { json: { at: (() => 1) as unknown as string } } }),
        /body.json must be plain JSON/,
      ],
      [
        'a number in the form',
        () => http({ url, method: 'POST', body: { form: { n: 1 as unknown as string } } }),
        /body.form "n" must be a string or secret\(\)/,
      ],
    ];
    for (const [what, make, message] of cases) {
      assert.throws(
        make,
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
        what,
      );
    }
  });

  it('checks the body’s placeholders against the pipeline’s parameters', () => {
    const clicks = dataset('clicks', {
      schema: z.object({ n: z.number(), day: z.coerce.date() }),
      key: ['n'],
      time: 'day',
    });
    assert.throws(
      () =>
        pipeline('clicks_daily', {
          source: http({ url: `${a.url}/echo`, method: 'POST', body: { json: { q: ['{{dya}}'] } } }),
          into: clicks,
        }),
      (error: unknown) => error instanceof ConfigError && /body\.q\[0\].*\{\{dya\}\}/.test(error.message),
    );
  });
});

// Hostile redirects: an upstream that sends the request (and its secret() header and query key) to
// another port, another host, a loop, a file: URL, or too many hops. Each case names the input and
// the outcome; the second server must never see the secret.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readSource } from '../../src/adapters/sources/read-source.ts';
import { collectUntilError, recordValues, testContext } from '../../src/adapters/sources/source-test-kit.ts';
import { ConfigError, SourceError } from '../../src/domain/errors.ts';
import { http, secret } from '../../src/domain/source-definition.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';

const SECRET = 'redir-S3cr3t/Key+42';
const json = { 'content-type': 'application/json' };

describe('hostile redirects', () => {
  let a: FixtureServer;
  let b: FixtureServer;

  before(async () => {
    process.env.REDIRECT_TEST_KEY = SECRET;
    b = await startFixtureServer({ '/data': { headers: json, body: '[{"from":"b"}]' } });
    const to =
      (location: (url: URL) => string) =>
      (request: { url?: string }, response: import('node:http').ServerResponse) => {
        response.writeHead(302, { location: location(new URL(request.url ?? '/', a.url)) }).end();
      };
    a = await startFixtureServer({
      '/data': { headers: json, body: '[{"from":"a"}]' },
      '/same': to(() => '/data'),
      // Copies the query (with the key) into the Location, as naive proxies do.
      '/to-b': to((url) => `${b.url}/data${url.search}&page=2`),
      '/to-host': to(() => `${a.url}/data`),
      '/loop': to(() => '/loop'),
      '/chain': to((url) => `/chain?n=${Number(url.searchParams.get('n') ?? 0) + 1}`),
      '/to-file': to(() => 'file:///etc/passwd'),
    });
  });
  after(async () => {
    await a.close();
    await b.close();
    delete process.env.REDIRECT_TEST_KEY;
  });

  const source = (url: string, redirects?: 'same-origin' | 'follow' | 'none') =>
    http({
      url,
      query: { apikey: secret('REDIRECT_TEST_KEY') },
      headers: { 'x-api-key': secret('REDIRECT_TEST_KEY'), 'x-tenant': 'acme' },
      ...(redirects ? { redirects } : {}),
    });
  const read = async (url: string, redirects?: 'same-origin' | 'follow' | 'none') => {
    const { items, error } = await collectUntilError(readSource(source(url, redirects), testContext()));
    return { values: recordValues(items), error };
  };
  const sawSecret = (server: FixtureServer) =>
    server.requests.some(
      (request) =>
        request.url.includes(encodeURIComponent(SECRET)) || JSON.stringify(request.headers).includes(SECRET),
    );

  it('same origin (127.0.0.1:A/same -> /data): followed with the headers', async () => {
    const { values, error } = await read(`${a.url}/same`);
    assert.equal(error, undefined);
    assert.deepEqual(values, [{ from: 'a' }]);
    assert.equal(a.requests.at(-1)?.headers['x-api-key'], SECRET);
  });

  it('another port (A -> B) by default: refused, says how to allow it, B never called', async () => {
    const { values, error } = await read(`${a.url}/to-b`);
    assert.deepEqual(values, []);
    assert.ok(error instanceof SourceError);
    assert.equal(error.retryable, false);
    assert.equal(
      error.message,
      `GET ${a.url}/to-b?apikey=[redacted] redirected to ${b.url}/data?apikey=[redacted]&page=2, another origin; sluice does not follow it with your headers: set redirects: 'follow' to follow without them`,
    );
    assert.equal(b.requests.length, 0);
  });

  it("another port with redirects: 'follow': followed without declared headers or secret query values", async () => {
    const { values, error } = await read(`${a.url}/to-b`, 'follow');
    assert.equal(error, undefined);
    assert.deepEqual(values, [{ from: 'b' }]);
    assert.equal(b.requests.length, 1);
    assert.equal(b.requests[0]?.url, '/data?page=2');
    assert.equal(b.requests[0]?.headers['x-api-key'], undefined);
    assert.equal(b.requests[0]?.headers['x-tenant'], undefined);
    assert.equal(sawSecret(b), false);
  });

  it('another host (localhost:A -> 127.0.0.1:A): refused by default; the target never sees the key', async () => {
    const before = a.requests.length;
    const { error } = await read(`${a.url.replace('127.0.0.1', 'localhost')}/to-host`);
    assert.ok(error instanceof SourceError);
    assert.match(
      error.message,
      /redirected to http:\/\/127\.0\.0\.1:\d+\/data, another origin; .*redirects: 'follow'/,
    );
    assert.deepEqual(
      a.requests.slice(before).map((request) => new URL(request.url, a.url).pathname),
      ['/to-host'],
    );
  });

  it('a redirect loop (/loop -> /loop): fails naming the loop', async () => {
    const { error } = await read(`${a.url}/loop`);
    assert.ok(error instanceof SourceError);
    assert.match(
      error.message,
      /GET .*\/loop redirected to .*\/loop, which it already visited: a redirect loop/,
    );
  });

  it('an endless chain (/chain?n=1, n=2, ...): fails after 5 redirects', async () => {
    const { error } = await read(`${a.url}/chain`);
    assert.ok(error instanceof SourceError);
    assert.match(error.message, /more than 5 redirects in a row/);
  });

  it('a redirect to file:///etc/passwd: refused, even with follow', async () => {
    const { error } = await read(`${a.url}/to-file`, 'follow');
    assert.ok(error instanceof SourceError);
    assert.match(
      error.message,
      /redirected to file:\/\/\/etc\/passwd, a file: URL; sluice follows only http\(s\) redirects/,
    );
  });

  it("redirects: 'none' with a same-origin redirect: fails and says how to follow", async () => {
    const { error } = await read(`${a.url}/same`, 'none');
    assert.ok(error instanceof SourceError);
    assert.match(
      error.message,
      /redirected to .*\/data; the source sets redirects: 'none': set redirects: 'same-origin' or 'follow'/,
    );
  });

  it('never sent the secret to the second server in any case', () => {
    assert.equal(sawSecret(b), false);
  });

  it('an unknown redirects value or a misspelt option: ConfigError at load', () => {
    assert.throws(
      () => http({ url: 'http://x/', redirects: 'always' as 'none' }),
      (error) =>
        error instanceof ConfigError &&
        /unknown redirects "always" \(use 'same-origin', 'follow' or 'none'\)/.test(error.message),
    );
    assert.throws(
      () => http({ url: 'http://x/', redirect: 'none' } as unknown as Parameters<typeof http>[0]),
      (error) =>
        error instanceof ConfigError &&
        /unknown option "redirect" \(did you mean "redirects"\?\)/.test(error.message),
    );
  });
});

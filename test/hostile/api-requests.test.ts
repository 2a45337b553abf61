// Hostile request lines against the real API server, on PGlite and PostgreSQL: NUL and bytes that
// are not UTF-8 in path and query parameters (400), over-long URLs (414) and headers (431), all as
// application/problem+json; a caller without a token gets 401 before any of those details.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import { withInitProject } from '../support/project.ts';

interface Answer {
  status: number;
  type: string;
  body: { code?: string; detail?: string };
}

/** Raw node:http, so the path goes out byte for byte as written (no client-side normalising). */
function send(base: string, method: string, path: string, token?: string): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        method,
        host: url.hostname,
        port: url.port,
        path,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => {
          let body: Answer['body'] = {};
          try {
            body = JSON.parse(text);
          } catch {
            body = { detail: text };
          }
          resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'] ?? '', body });
        });
      },
    );
    request.on('error', reject);
    request.end();
  });
}

const NUL_PATHS = [
  ['GET', '/api/runs/a%00b'],
  ['GET', '/api/key-sets/a%00b'],
  ['GET', '/api/datasets/a%00b/records'],
  ['POST', '/api/pipelines/a%00b/runs'],
  ['POST', '/api/sources/a%00b/reset'],
  ['GET', '/api/runs?pipeline=a%00b'],
] as const;
const BAD_UTF8_PATHS = [
  ['GET', '/api/runs/%C3%28'],
  ['GET', '/api/key-sets/%FF'],
  ['POST', '/api/sources/%FF/reset'],
  ['GET', '/api/datasets/%C3%28/records'],
] as const;
const LONG = 'a'.repeat(20_000);
const LONG_PATHS = [
  ['GET', `/api/runs/${LONG}`],
  ['GET', `/api/datasets?q=${LONG}`],
  ['POST', `/api/pipelines/${LONG}/runs`],
] as const;

for (const backend of await testBackends()) {
  describe(`hostile API requests on ${backend.kind}`, { skip: backend.skip }, () => {
    let sluice: Sluice;
    let base: string;
    let token: string;
    let close: () => Promise<void>;

    before(async () => {
      const project = await withInitProject();
      const database = await backend.open({ migrated: true });
      sluice = await openSluice({
        cwd: project.dir,
        databaseUrl: database.url,
        dataDir: `${project.dir}/.sluice`,
        logger: createLogger({ level: 'silent' }),
      });
      token = (await createToken(sluice.db, 'ops', 'admin')).token;
      const server = await buildApiServer(sluice);
      base = await server.app.listen({ port: 0, host: '127.0.0.1' });
      close = async () => {
        await server.app.close();
        await sluice.close();
        await database.close();
        await project.remove();
      };
    });
    after(() => close());

    const problem = (answer: Answer, status: number, label: string) => {
      assert.equal(answer.status, status, `${label}: ${JSON.stringify(answer.body)}`);
      assert.match(answer.type, /^application\/problem\+json/, label);
    };

    it('a NUL (%00) in a path or query parameter: 400 invalid_parameter, never a 500', async () => {
      for (const [method, path] of NUL_PATHS) {
        const answer = await send(base, method, path, token);
        problem(answer, 400, `${method} ${path}`);
        assert.equal(answer.body.code, 'invalid_parameter');
        assert.match(answer.body.detail ?? '', /contains a NUL character \(%00\)/);
      }
    });

    it('a path that is not UTF-8 (%C3%28, %FF): 400 bad_request as problem+json', async () => {
      for (const [method, path] of BAD_UTF8_PATHS) {
        const answer = await send(base, method, path, token);
        problem(answer, 400, `${method} ${path}`);
        assert.match(answer.body.detail ?? '', /not valid percent-encoded UTF-8/);
      }
    });

    it('a 20 KB path or query: 414 uri_too_long as problem+json, with or without a token', async () => {
      for (const [method, path] of LONG_PATHS) {
        for (const caller of [token, undefined]) {
          const answer = await send(base, method, path, caller);
          problem(answer, 414, `${method} ${path.slice(0, 40)}…`);
          assert.equal(answer.body.code, 'uri_too_long');
        }
      }
    });

    it('a 100 KB URL, past the header limit: 431 as problem+json', async () => {
      const answer = await send(base, 'GET', `/api/runs/${'a'.repeat(100_000)}`, token).catch(
        () => undefined,
      );
      // The server may close before the client has written everything; when it answers, it is a problem.
      if (answer) problem(answer, 431, '100 KB URL');
    });

    it('without a token: 401 for every hostile path, before any parsing detail', async () => {
      for (const [method, path] of [...NUL_PATHS, ...BAD_UTF8_PATHS]) {
        const answer = await send(base, method, path);
        problem(answer, 401, `${method} ${path} without a token`);
        assert.equal(answer.body.code, 'unauthorized');
        assert.doesNotMatch(JSON.stringify(answer.body), /NUL|UTF-8/);
      }
      const wrong = await send(base, 'GET', '/api/runs/%FF', 'not-a-token');
      problem(wrong, 401, 'bad path with a wrong token');
    });
  });
}

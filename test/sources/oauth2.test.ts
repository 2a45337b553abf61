// OAuth 2 client credentials on http(): a local token endpoint and API on 127.0.0.1, two readers over one
// database standing for two workers; one token for all, renewed before expiry and once on a 401, and a
// canary client secret (and the tokens themselves) in no log line, error or table.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/adapters/log/logger.ts';
import type { Database } from '../../src/adapters/postgres/database.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { createTokenStore } from '../../src/adapters/postgres/oauth2-token-store.ts';
import { openPostgres } from '../../src/adapters/postgres/pg-database.ts';
import { createSharedProviderStore } from '../../src/adapters/postgres/shared-provider-store.ts';
import { createProcessLimits } from '../../src/adapters/sources/process-limits.ts';
import { createSourceReader } from '../../src/adapters/sources/read-source.ts';
import { ConfigError, SourceError } from '../../src/domain/errors.ts';
import { oauth2 } from '../../src/domain/oauth2.ts';
import { http, secret } from '../../src/domain/source-definition.ts';
import type { SourceReader } from '../../src/engine/ports.ts';
import { openSluice } from '../../src/main.ts';
import { type CliResult, runCli } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { fakeClock } from '../support/fake-clock.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { withInitProject } from '../support/project.ts';
import { readThrough } from '../support/scripted-upstream.ts';

const CANARY = 'canary-0auth/Secr3t+77';
const CANARY_FORMS = [
  CANARY,
  encodeURIComponent(CANARY),
  new URLSearchParams({ k: CANARY }).toString().slice(2),
  Buffer.from(CANARY).toString('base64'),
];
process.env.SLUICE_TEST_OAUTH_SECRET = CANARY;
process.env.SLUICE_TEST_OAUTH_CLIENT = 'client-7';
const INITIAL_REFRESH = 'rt-initial-Q2FuYXJ5';
process.env.SLUICE_TEST_OAUTH_REFRESH = INITIAL_REFRESH;

const JSON_TYPE = { 'content-type': 'application/json' };

async function formOf(request: IncomingMessage): Promise<URLSearchParams> {
  const parts: Buffer[] = [];
  for await (const chunk of request) parts.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(parts).toString('utf8'));
}

type TokenAnswer = (form: URLSearchParams, hit: number) => { status?: number; body: object };

describe('oauth2() options, checked when the config loads', () => {
  const valid = { tokenUrl: 'https://auth.example.com/token', clientId: 'id', clientSecret: secret('S') };
  it('refuses what cannot work, saying what to write instead', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...valid, tokenUrl: 'auth.example.com/token' }, /`tokenUrl` must be a fixed http\(s\) URL/],
      [{ ...valid, tokenUrl: 'https://a.example/{{tenant}}/token' }, /no \{\{placeholders\}\}/],
      [
        { ...valid, clientSecret: 'hunter22' },
        /`clientSecret` must be secret\('ENV_NAME'\), not the secret itself/,
      ],
      [{ ...valid, clientSecret: undefined }, /`clientSecret` is required/],
      [
        { ...valid, refreshToken: 'rt-plain' },
        /`refreshToken` must be secret\('ENV_NAME'\), not the secret itself/,
      ],
      [{ ...valid, clientId: '' }, /`clientId` must be a non-empty string or secret/],
      [{ ...valid, scope: 3 }, /`scope` must be a non-empty string/],
      [{ ...valid, grant: 'password' }, /grant/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => oauth2(options as Parameters<typeof oauth2>[0]),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, message);
          return true;
        },
      );
    }
    assert.throws(
      () => http({ url: 'https://api.example.com/x', auth: valid as never }),
      /`auth` must be oauth2\(\{ tokenUrl, clientId, clientSecret \}\)/,
    );
    assert.throws(
      () =>
        http({
          url: 'https://api.example.com/x',
          auth: oauth2(valid),
          headers: { Authorization: 'Bearer x' },
        }),
      /both `auth` and an Authorization header/,
    );
    assert.equal(
      http({ url: 'https://api.example.com/x', auth: oauth2(valid) }).auth?.tokenUrl,
      valid.tokenUrl,
    );
  });
});

for (const backend of await testBackends()) {
  describe(`oauth2 client credentials on ${backend.kind}`, { skip: backend.skip }, () => {
    let database: { db: Database; close(): Promise<void> };
    let second: Database | undefined;
    let readers: [SourceReader, SourceReader];
    let server: FixtureServer;
    const tokenAnswers = new Map<string, TokenAnswer>();
    const tokenForms = new Map<string, URLSearchParams[]>();
    const apiAnswers = new Map<string, (bearer: string) => number>();
    const apiBearers = new Map<string, string[]>();
    const errors: string[] = [];
    const logs: string[] = [];
    const tokensHandedOut: string[] = [];

    const tokenRoute = (path: string, answer: TokenAnswer) => {
      tokenAnswers.set(path, answer);
      return `${server.url}${path}`;
    };
    const apiRoute = (path: string, status: (bearer: string) => number = () => 200) => {
      apiAnswers.set(path, status);
      return `${server.url}${path}`;
    };
    const read = async (
      reader: SourceReader,
      source: ReturnType<typeof http>,
      clock?: ReturnType<typeof fakeClock>,
    ) => {
      const result = await readThrough(reader, source, clock);
      logs.push(JSON.stringify(result.logger.lines));
      if (result.error) errors.push(`${(result.error as Error).message}\n${(result.error as Error).stack}`);
      return result;
    };

    before(async () => {
      const opened = await backend.open();
      database = opened;
      await migrate(opened.db);
      second = opened.url ? await openPostgres(opened.url) : undefined;
      const reader = (db: Database, limits = createProcessLimits()) =>
        createSourceReader({
          store: createSharedProviderStore(db, db),
          limits,
          env: {},
          random: () => 0.5,
          tokens: createTokenStore(db, db),
        });
      readers = [reader(opened.db), reader(second ?? opened.db)];
      const handler = async (request: IncomingMessage, response: ServerResponse) => {
        const path = new URL(request.url ?? '/', 'http://x').pathname;
        const token = tokenAnswers.get(path);
        if (token) {
          const form = await formOf(request);
          const forms = tokenForms.get(path) ?? [];
          forms.push(form);
          tokenForms.set(path, forms);
          const { status = 200, body } = token(form, forms.length);
          for (const field of ['access_token', 'refresh_token']) {
            const value = (body as Record<string, unknown>)[field];
            if (typeof value === 'string') tokensHandedOut.push(value);
          }
          response.writeHead(status, JSON_TYPE).end(JSON.stringify(body));
          return;
        }
        const api = apiAnswers.get(path);
        if (!api) return void response.writeHead(404).end();
        const bearer = (request.headers.authorization ?? '').replace(/^Bearer /, '');
        const seen = apiBearers.get(path) ?? [];
        seen.push(bearer);
        apiBearers.set(path, seen);
        const status = api(bearer);
        if (status === 200) response.writeHead(200, JSON_TYPE).end(JSON.stringify([{ ok: true }]));
        // A hostile API that quotes the rejected token back.
        else response.writeHead(status, { 'content-type': 'text/plain' }).end(`token ${bearer} rejected`);
      };
      server = await startFixtureServer(
        new Proxy(
          {},
          {
            get: () => (request: IncomingMessage, response: ServerResponse) =>
              void handler(request, response),
          },
        ),
      );
    });
    after(async () => {
      await server?.close();
      await second?.close();
      await database?.close();
    });

    const auth = (tokenUrl: string, extra: { scope?: string } = {}) =>
      oauth2({
        tokenUrl,
        clientId: secret('SLUICE_TEST_OAUTH_CLIENT'),
        clientSecret: secret('SLUICE_TEST_OAUTH_SECRET'),
        ...extra,
      });

    it('fetches one token for many requests from two workers and sends it as a Bearer token', async () => {
      const tokenUrl = tokenRoute('/token', () => ({
        body: { access_token: 'at-shared-Qm9vYmFy', token_type: 'Bearer', expires_in: 3600 },
      }));
      const source = http({
        url: apiRoute('/data'),
        name: 'api-shared',
        auth: auth(tokenUrl, { scope: 'read write' }),
      });
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, index) => read(readers[index % 2] as SourceReader, source)),
      );
      for (const result of results) {
        assert.equal(result.error, undefined);
        assert.equal(result.items.length, 1);
      }
      assert.equal(tokenForms.get('/token')?.length, 1, 'one token request for both workers');
      const form = tokenForms.get('/token')?.[0];
      assert.equal(form?.get('grant_type'), 'client_credentials');
      assert.equal(form?.get('client_id'), 'client-7');
      assert.equal(form?.get('client_secret'), CANARY);
      assert.equal(form?.get('scope'), 'read write');
      assert.deepEqual(apiBearers.get('/data'), Array(8).fill('at-shared-Qm9vYmFy'));

      const { rows } = await database.db.query<{ token_url: string; sealed_token: string }>(
        'SELECT token_url, sealed_token FROM sluice.oauth2_tokens',
      );
      const row = rows.find((candidate) => candidate.token_url === tokenUrl);
      assert.ok(row, 'the token is cached in the database');
      assert.match(row.sealed_token, /^v1\./);
      assert.ok(!row.sealed_token.includes('at-shared'));
    });

    it('renews the token shortly before it expires, by the source clock', async () => {
      const tokenUrl = tokenRoute('/token-short', (_form, hit) => ({
        body: { access_token: `at-short-${hit}-Zk9v`, token_type: 'bearer', expires_in: 600 },
      }));
      const source = http({ url: apiRoute('/short'), name: 'api-short', auth: auth(tokenUrl) });
      const clock = fakeClock();
      assert.equal((await read(readers[0], source, clock)).error, undefined);
      clock.advance(500_000);
      assert.equal((await read(readers[1], source, clock)).error, undefined);
      assert.equal(tokenForms.get('/token-short')?.length, 1, 'still fresh 500 s into 600');
      // Renewed 60 s before expiry: at 541 s a new one is fetched, and the other worker uses it.
      clock.advance(41_000);
      assert.equal((await read(readers[1], source, clock)).error, undefined);
      assert.equal((await read(readers[0], source, clock)).error, undefined);
      assert.equal(tokenForms.get('/token-short')?.length, 2);
      assert.deepEqual(apiBearers.get('/short'), [
        'at-short-1-Zk9v',
        'at-short-1-Zk9v',
        'at-short-2-Zk9v',
        'at-short-2-Zk9v',
      ]);
    });

    it('on a 401 fetches one new token and retries once; a second 401 fails the call', async () => {
      const tokenUrl = tokenRoute('/token-revoked', (_form, hit) => ({
        body: { access_token: `at-revoked-${hit}-WXpB`, expires_in: 3600 },
      }));
      const source = http({
        url: apiRoute('/revoking', (bearer) => (bearer === 'at-revoked-1-WXpB' ? 401 : 200)),
        name: 'api-revoking',
        auth: auth(tokenUrl),
      });
      const first = await read(readers[0], source);
      assert.equal(first.error, undefined);
      assert.equal(first.items.length, 1);
      assert.deepEqual(apiBearers.get('/revoking'), ['at-revoked-1-WXpB', 'at-revoked-2-WXpB']);
      assert.equal(tokenForms.get('/token-revoked')?.length, 2);
      // The other worker reads the renewed token from the database.
      assert.equal((await read(readers[1], source)).error, undefined);
      assert.equal(tokenForms.get('/token-revoked')?.length, 2);

      const alwaysUrl = tokenRoute('/token-never', (_form, hit) => ({
        body: { access_token: `at-never-${hit}-UXdF`, expires_in: 3600 },
      }));
      const refused = http({
        url: apiRoute('/refusing', () => 401),
        name: 'api-refusing',
        auth: auth(alwaysUrl),
        retry: { attempts: 3, baseDelayMs: 1 },
      });
      const failed = await read(readers[0], refused);
      assert.ok(failed.error instanceof SourceError);
      assert.match(failed.error.message, /answered HTTP 401: token \[redacted\] rejected/);
      assert.equal(apiBearers.get('/refusing')?.length, 2, 'one retry with the new token, no more');
      assert.equal(tokenForms.get('/token-never')?.length, 2);
    });

    it('fails clearly on invalid_client without calling the API or showing the secret', async () => {
      const tokenUrl = tokenRoute('/token-bad', (form) => ({
        status: 401,
        // A hostile endpoint that quotes what it was sent.
        body: { error: 'invalid_client', error_description: `unknown secret ${form.get('client_secret')}` },
      }));
      const source = http({
        url: apiRoute('/never'),
        name: 'api-bad-client',
        auth: auth(tokenUrl),
        retry: { attempts: 3, baseDelayMs: 1 },
      });
      const { error } = await read(readers[0], source);
      assert.ok(error instanceof SourceError);
      assert.equal(error.retryable, false);
      assert.equal(
        error.message,
        `http() "api-bad-client": the OAuth 2 token endpoint ${tokenUrl} answered HTTP 401: invalid_client (unknown secret [redacted])`,
      );
      assert.equal(apiBearers.get('/never'), undefined);
      assert.equal(tokenForms.get('/token-bad')?.length, 1, 'not retried');

      const down = tokenRoute('/token-down', () => ({
        status: 503,
        body: { error: 'temporarily_unavailable' },
      }));
      const flaky = http({
        url: apiRoute('/never-2'),
        name: 'api-token-down',
        auth: auth(down),
        retry: { attempts: 2, baseDelayMs: 1 },
        breaker: false,
      });
      const downed = await read(readers[1], flaky);
      assert.ok(downed.error instanceof SourceError);
      assert.match(downed.error.message, /token endpoint .* answered HTTP 503: temporarily_unavailable/);
      assert.equal(
        tokenForms.get('/token-down')?.length,
        2,
        'a 5xx is retried under the source retry policy',
      );
    });

    it('uses a refresh token, and the one the endpoint rotated to on the next renewal', async () => {
      let valid = INITIAL_REFRESH;
      const tokenUrl = tokenRoute('/token-refresh', (form, hit) => {
        if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== valid)
          return { status: 400, body: { error: 'invalid_grant' } };
        valid = `rt-rotated-${hit}-WW91`;
        return { body: { access_token: `at-refresh-${hit}-SGVsbG8`, refresh_token: valid, expires_in: 600 } };
      });
      const source = http({
        url: apiRoute('/refreshed'),
        name: 'api-refreshed',
        // A public client: no client secret.
        auth: oauth2({ tokenUrl, clientId: 'public-app', refreshToken: secret('SLUICE_TEST_OAUTH_REFRESH') }),
      });
      const clock = fakeClock();
      assert.equal((await read(readers[0], source, clock)).error, undefined);
      clock.advance(541_000);
      assert.equal((await read(readers[1], source, clock)).error, undefined);
      const forms = tokenForms.get('/token-refresh') ?? [];
      assert.deepEqual(
        forms.map((form) => form.get('refresh_token')),
        [INITIAL_REFRESH, 'rt-rotated-1-WW91'],
      );
      assert.equal(forms[0]?.get('client_id'), 'public-app');
      assert.equal(forms[0]?.has('client_secret'), false);
      assert.deepEqual(apiBearers.get('/refreshed'), ['at-refresh-1-SGVsbG8', 'at-refresh-2-SGVsbG8']);
    });

    it('never shows the client secret or a token in logs, errors or any table', async () => {
      assert.ok(tokensHandedOut.length >= 5);
      assert.ok(errors.length >= 3, `collected ${errors.length} errors`);
      assert.ok(
        [...errors, ...logs].some((text) => text.includes('[redacted]')),
        'the secrets were there to redact',
      );
      const texts = [
        ...errors.map((text) => ({ where: 'error', text })),
        ...logs.map((text) => ({ where: 'log', text })),
      ];
      const { rows: tables } = await database.db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'sluice' AND table_type = 'BASE TABLE'`,
      );
      assert.ok(tables.some((table) => table.table_name === 'oauth2_tokens'));
      for (const { table_name } of tables) {
        const { rows } = await database.db.query(`SELECT * FROM sluice.${table_name}`);
        texts.push({ where: `sluice.${table_name}`, text: JSON.stringify(rows) });
      }
      const forbidden = [...CANARY_FORMS, INITIAL_REFRESH, ...tokensHandedOut];
      for (const { where, text } of texts) {
        for (const form of forbidden) assert.ok(!text.includes(form), `${where} shows ${form}`);
      }
    });
  });
}

const projectConfig = (
  url: string,
) => `import { dataset, defineConfig, http, oauth2, pipeline, secret, z } from 'sluice';
const items = dataset('oauth_items', {
  schema: z.object({ id: z.number(), day: z.iso.date() }),
  key: ['id'],
  time: 'day',
});
const auth = (path) => oauth2({ tokenUrl: '${url}' + path, clientId: 'client-e2e', clientSecret: secret('OAUTH_E2E_SECRET') });
export default defineConfig({
  datasets: [items],
  pipelines: [
    pipeline('with_token', { source: http({ url: '${url}/items', name: 'items-api', auth: auth('/token') }), into: items }),
    pipeline('bad_client', { source: http({ url: '${url}/items', name: 'items-bad', auth: auth('/bad-token') }), into: items }),
  ],
});
`;

for (const backend of await testBackends()) {
  describe(`oauth2 across sluice processes on ${backend.kind}`, { skip: backend.skip }, () => {
    let server: FixtureServer;
    let project: { dir: string; remove(): Promise<void> };
    let database: { url: string | undefined; close(): Promise<void> } | undefined;
    const TOKEN = 'at-process-VGhpcyBpcw';
    const outputs: Array<{ where: string; text: string }> = [];
    const cli = async (args: string[]): Promise<CliResult> => {
      const result = await runCli(args, {
        cwd: project.dir,
        env: {
          OAUTH_E2E_SECRET: CANARY,
          LOG_LEVEL: 'debug',
          ...(database?.url ? { DATABASE_URL: database.url } : {}),
        },
      });
      outputs.push({ where: `sluice ${args.join(' ')}`, text: `${result.stdout}\n${result.stderr}` });
      return result;
    };

    before(async () => {
      server = await startFixtureServer({
        '/token': {
          headers: JSON_TYPE,
          body: JSON.stringify({ access_token: TOKEN, token_type: 'Bearer', expires_in: 3600 }),
        },
        '/bad-token': (request, response) =>
          void formOf(request).then((form) =>
            response.writeHead(400, JSON_TYPE).end(
              JSON.stringify({
                error: 'invalid_client',
                error_description: `bad secret ${form.get('client_secret')}`,
              }),
            ),
          ),
        '/items': (request, response) => {
          if (request.headers.authorization !== `Bearer ${TOKEN}`) return void response.writeHead(401).end();
          response.writeHead(200, JSON_TYPE).end(JSON.stringify([{ id: 1, day: '2025-06-13' }]));
        },
      });
      project = await withInitProject({ pglite: backend.kind === 'pglite' });
      if (backend.kind === 'postgres') database = await backend.open({ migrated: true });
      await writeFile(join(project.dir, 'sluice.config.ts'), projectConfig(server.url));
    });
    after(async () => {
      await server?.close();
      await database?.close();
      await project?.remove();
    });

    it('shares one token between processes, fails a bad client clearly, and stores no secret', async () => {
      // On PostgreSQL two processes run at once; the embedded database admits one at a time.
      const runs =
        backend.kind === 'postgres'
          ? await Promise.all([cli(['run', 'with_token']), cli(['run', 'with_token'])])
          : [await cli(['run', 'with_token']), await cli(['run', 'with_token'])];
      for (const run of runs) assert.equal(run.code, 0, run.stderr);
      const posts = (path: string) => server.requests.filter((request) => request.url === path).length;
      assert.equal(posts('/token'), 1, 'one token for both processes');
      assert.equal(posts('/items'), 2);

      const bad = await cli(['run', 'bad_client']);
      assert.notEqual(bad.code, 0);
      assert.match(
        bad.stdout,
        /error \[source_error\]: http\(\) "items-bad": the OAuth 2 token endpoint http:\/\/127\.0\.0\.1:\d+\/bad-token answered HTTP 400: invalid_client/,
      );
      const shown = await cli(['runs', '--json']);
      assert.equal(shown.code, 0, shown.stderr);

      const sluice = await openSluice({
        cwd: project.dir,
        ...(database?.url ? { databaseUrl: database.url } : {}),
        logger: createLogger({ level: 'silent' }),
      });
      try {
        const { rows: tables } = await sluice.db.query<{ table_schema: string; table_name: string }>(
          `SELECT table_schema, table_name FROM information_schema.tables
            WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`,
        );
        assert.ok(tables.some((table) => table.table_name === 'runs'));
        for (const { table_schema, table_name } of tables) {
          const { rows } = await sluice.db.query(`SELECT * FROM "${table_schema}"."${table_name}"`);
          outputs.push({ where: `${table_schema}.${table_name}`, text: JSON.stringify(rows) });
        }
        const { rows: failed } = await sluice.db.query<{ errors: unknown }>(
          `SELECT errors FROM sluice.runs WHERE pipeline = 'bad_client'`,
        );
        assert.match(JSON.stringify(failed), /invalid_client \(bad secret \[redacted\]\)/);
      } finally {
        await sluice.close();
      }
      for (const { where, text } of outputs) {
        for (const form of [...CANARY_FORMS, TOKEN])
          assert.ok(!text.includes(form), `${where} shows ${form}`);
      }
    });
  });
}

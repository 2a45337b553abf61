// The OpenAPI document as third-party tools read it: redocly lints it clean, openapi-typescript's
// types typecheck a client that then talks to the server, and documented statuses are the real ones.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { API_TYPES_FILE, apiTypesSource } from '../../scripts/api-types.ts';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import { type AnyJson, readJson } from '../support/http.ts';
import { withInitProject } from '../support/project.ts';

const run = promisify(execFile);

/** What the test calls of test/api/typed-client.ts, whose own types exist only beside the generated ones. */
interface TypedClientModule {
  createTypedClient(base: string, token: string): object;
  latestRunStatus(client: object, pipeline: string): Promise<string | undefined>;
  queuedRunId(client: object, pipeline: string): Promise<string>;
  problemCode(client: object, runId: string): Promise<string | undefined>;
}
const ROOT = resolve(import.meta.dirname, '../..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

/** The tools print their findings; a failed run shows them in the assertion. */
async function tool(name: string, args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(bin(name), args, {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
      // CI reaches no telemetry endpoint and needs no update notice: both off, so nothing waits on them.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

// One backend is enough: the document and the statuses do not depend on it (PostgreSQL in CI).
const backends = await testBackends();
const backend =
  backends.find((candidate) => candidate.kind === 'postgres' && !candidate.skip) ?? backends[0]!;

describe(`OpenAPI document on ${backend.kind}`, () => {
  let sluice: Sluice;
  let base: string;
  let document: AnyJson;
  let work: string;
  let close: () => Promise<void>;
  const tokens: Record<string, string> = {};

  before(async () => {
    const project = await withInitProject();
    const database = await backend.open({ migrated: true });
    sluice = await openSluice({
      cwd: project.dir,
      databaseUrl: database.url,
      dataDir: `${project.dir}/.sluice`,
      logger: createLogger({ level: 'silent' }),
    });
    await sluice.run('readings_csv');
    for (const role of ['viewer', 'analyst', 'admin'] as const) {
      tokens[role] = (await createToken(sluice.db, `t_${role}`, role)).token;
    }
    const server = await buildApiServer(sluice);
    base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    work = await mkdtemp(join(tmpdir(), 'sluice-openapi-'));
    document = await readJson(await call('GET', '/api/openapi.json', 'viewer'));
    await writeFile(join(work, 'openapi.json'), JSON.stringify(document, null, 2));
    close = async () => {
      await server.app.close();
      await sluice.settle(10_000);
      await sluice.close();
      await database.close();
      await project.remove();
      await rm(work, { recursive: true, force: true });
    };
  });
  after(() => close());

  function call(method: string, path: string, caller: string, init: RequestInit = {}) {
    return fetch(`${base}${path}`, {
      ...init,
      method,
      headers: {
        ...(caller === 'none' ? {} : { authorization: `Bearer ${tokens[caller]}` }),
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  }

  it('passes redocly lint with the checked-in redocly.yaml: no error, no warning', async () => {
    const { code, output } = await tool('redocly', [
      'lint',
      '--config',
      join(ROOT, 'redocly.yaml'),
      join(work, 'openapi.json'),
    ]);
    assert.equal(code, 0, output);
    assert.doesNotMatch(output, /warning/i, output);
  });

  it('names every operation, documents a 4xx for each and security: [] where no token is needed', () => {
    const ids = new Set<string>();
    for (const [path, operations] of Object.entries<AnyJson>(document.paths)) {
      for (const [method, operation] of Object.entries<AnyJson>(operations)) {
        const label = `${method.toUpperCase()} ${path}`;
        assert.match(operation.operationId ?? '', /^[a-z][A-Za-z]+$/, label);
        assert.ok(!ids.has(operation.operationId), `${label}: operationId used twice`);
        ids.add(operation.operationId);
        assert.ok(
          Object.keys(operation.responses).some((status) => status.startsWith('4')),
          `${label} documents no 4xx`,
        );
      }
    }
    assert.ok(ids.size >= 36, `${ids.size} operations`);
    assert.deepEqual(document.paths['/healthz'].get.security, []);
    assert.equal(document.info.license.identifier, 'MIT');
    assert.ok(document.servers.length > 0);
    const events = document.paths['/api/events'].get;
    assert.ok(events.responses['200'].content['text/event-stream']);
    assert.ok(events.parameters.some((p: AnyJson) => p.in === 'header' && p.name === 'last-event-id'));
    assert.deepEqual(events.security, [{ bearer: [] }, { ticket: [] }]);
    assert.deepEqual(document.components.securitySchemes.ticket, {
      type: 'apiKey',
      in: 'query',
      name: 'ticket',
      description: 'single-use, from POST /api/events/tickets; GET /api/events only',
    });
  });

  it('matches the dashboard’s checked-in generated types (npm run api:types writes them)', async () => {
    const expected = await apiTypesSource(document as object);
    const checkedIn = await readFile(API_TYPES_FILE, 'utf8');
    assert.ok(
      checkedIn === expected,
      'web/src/api/openapi.gen.ts is stale: run `npm run api:types` and commit the result',
    );
  });

  it('generates types with openapi-typescript that typecheck a client, which then works', async () => {
    const generated = await tool('openapi-typescript', [
      join(work, 'openapi.json'),
      '-o',
      join(work, 'openapi-types.ts'),
    ]);
    assert.equal(generated.code, 0, generated.output);
    await copyFile(join(ROOT, 'test/api/typed-client.ts'), join(work, 'typed-client.ts'));
    await writeFile(join(work, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2024',
          lib: ['es2024'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          allowImportingTsExtensions: true,
          noEmit: true,
          strict: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        include: ['*.ts'],
      }),
    );
    const checked = await tool('tsc', ['-p', join(work, 'tsconfig.json')]);
    assert.equal(checked.code, 0, checked.output);

    // Loaded from the copy beside its generated types; root tsc never sees that module (tsconfig excludes it).
    const client = (await import(pathToFileURL(join(work, 'typed-client.ts')).href)) as TypedClientModule;
    const analyst = client.createTypedClient(base, tokens.analyst!);
    assert.equal(await client.latestRunStatus(analyst, 'readings_csv'), 'succeeded');
    assert.match(await client.queuedRunId(analyst, 'readings_csv'), /^[0-9a-f-]{36}$/);
    assert.equal(await client.problemCode(analyst, 'not-a-run'), 'invalid_parameter');
  });

  it('documents the status and content type each route really answers', async () => {
    const [runId] = (await readJson(await call('GET', '/api/runs', 'viewer'))).runs.map((r: AnyJson) => r.id);
    const cases: Array<[string, string, string, string, RequestInit?]> = [
      ['GET', '/healthz', '/healthz', 'none'],
      ['GET', '/readyz', '/readyz', 'viewer'],
      ['GET', '/metrics', '/metrics', 'viewer'],
      ['GET', '/api/runs', '/api/runs', 'viewer'],
      ['GET', '/api/runs', '/api/runs', 'none'],
      ['GET', '/api/runs', '/api/runs?limit=0', 'viewer'],
      ['GET', '/api/runs', '/api/runs?pipeline=ghost', 'viewer'],
      ['GET', '/api/runs/{id}', `/api/runs/${runId}`, 'viewer'],
      ['GET', '/api/runs/{id}', '/api/runs/not-a-run', 'viewer'],
      ['POST', '/api/runs/{id}/cancel', `/api/runs/${runId}/cancel`, 'viewer'],
      ['POST', '/api/runs/{id}/cancel', `/api/runs/${runId}/cancel`, 'admin'],
      ['GET', '/api/pipelines', '/api/pipelines', 'viewer'],
      ['GET', '/api/datasets', '/api/datasets', 'viewer'],
      ['GET', '/api/datasets/{name}/records', '/api/datasets/readings/records', 'viewer'],
      ['GET', '/api/datasets/{name}/records', '/api/datasets/readings/records?format=csv', 'viewer'],
      ['GET', '/api/datasets/{name}/preview', '/api/datasets/ghost/preview', 'viewer'],
      ['GET', '/api/stats', '/api/stats', 'viewer'],
      ['GET', '/api/scheduler/status', '/api/scheduler/status', 'viewer'],
      ['GET', '/api/scheduler/jobs', '/api/scheduler/jobs', 'viewer'],
      ['GET', '/api/sources', '/api/sources', 'viewer'],
      ['GET', '/api/key-sets', '/api/key-sets', 'viewer'],
      ['GET', '/api/freshness', '/api/freshness', 'viewer'],
      ['GET', '/api/quarantine', '/api/quarantine', 'viewer'],
      ['GET', '/api/backfills', '/api/backfills', 'viewer'],
      ['POST', '/api/events/tickets', '/api/events/tickets', 'viewer'],
      ['GET', '/api/docs', '/api/docs', 'viewer'],
      [
        'POST',
        '/api/backfills',
        '/api/backfills',
        'admin',
        { body: 'pipeline=x', headers: { 'content-type': 'text/plain' } },
      ],
      [
        'POST',
        '/api/backfills',
        '/api/backfills',
        'admin',
        { body: JSON.stringify({ pipeline: 'ghost' }), headers: { 'content-type': 'application/json' } },
      ],
    ];
    for (const [method, template, path, caller, init] of cases) {
      const response = await call(method, path, caller, init);
      const body = await response.text();
      const label = `${method} ${path} as ${caller}: ${response.status} ${body.slice(0, 200)}`;
      assert.notEqual(response.status, 500, label);
      const documented = document.paths[template][method.toLowerCase()].responses[String(response.status)];
      assert.ok(documented, `${label}: status not documented`);
      const mediaType = response.headers.get('content-type')?.split(';')[0] ?? '';
      assert.ok(Object.hasOwn(documented.content ?? {}, mediaType), `${label}: ${mediaType} not documented`);
    }
  });

  it('answers a known path with a wrong method 405 with Allow, as a problem', async () => {
    const response = await call('DELETE', '/api/runs', 'viewer');
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET, HEAD');
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
    const problem = await readJson(response);
    assert.equal(problem.code, 'method_not_allowed');
    assert.equal(problem.status, 405);
    const put = await call('PATCH', '/api/key-sets/anything', 'viewer');
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, HEAD, PUT');
    // A caller without a token learns nothing about the path: 401, as for any unknown route.
    assert.equal((await call('DELETE', '/api/runs', 'none')).status, 401);
    assert.equal((await call('GET', '/api/nothing-here', 'viewer')).status, 404);
  });

  it('answers a body that is not JSON 415, as a problem', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await call('POST', '/api/freshness/refresh', 'analyst', {
        body: 'limit=1',
        headers: { 'content-type': type },
      });
      assert.equal(response.status, 415, type);
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const problem = await readJson(response);
      assert.equal(problem.code, 'unsupported_media_type');
    }
  });
});

// Scoped provider state (http()'s `scope`): one site's dead upstream opens only that site's breaker,
// a rate limit holds per scope and not across scopes, and /api/sources lists and resets each scope.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeSources } from '../../src/adapters/cli/commands/sources.ts';
import { readBreaker } from '../../src/adapters/postgres/breaker-store.ts';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import {
  collectUntilError,
  recordingLogger,
  testContext,
} from '../../src/adapters/sources/source-test-kit.ts';
import { ErrorCode, errorCode } from '../../src/domain/errors.ts';
import { pipeline } from '../../src/domain/pipeline-definition.ts';
import { fallback, http, type SourceDefinition } from '../../src/domain/source-definition.ts';
import type { ProviderAttempt } from '../../src/domain/source-item.ts';
import type { SourceReader } from '../../src/engine/ports.ts';
import type { SourceStatus } from '../../src/engine/sources.ts';
import { openApiProject } from '../support/api-project.ts';
import { runCliInProcess } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { eventually } from '../support/eventually.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { type ScriptedUpstreams, startScriptedUpstreams } from '../support/scripted-upstream.ts';

const JSON_TYPE = { 'content-type': 'application/json' };
const ok = (site: string) => JSON.stringify([{ site, observed_at: '2026-01-01T00:00:00Z', wind_kmh: 12 }]);

async function readFor(reader: SourceReader, source: SourceDefinition, params: Record<string, string>) {
  const providers: ProviderAttempt[] = [];
  const logger = recordingLogger();
  const context = testContext({ params, logger, onProvider: (attempt) => providers.push(attempt) });
  const { items, error } = await collectUntilError(reader(source, context));
  return { items, error, providers, servedBy: items[0]?.origin.provider };
}

describe('scope at load time', () => {
  it('checks the scope template against the pipeline parameters like a URL template', () => {
    const source = http({ url: 'https://beacons.example/{{site}}', name: 'beacon', scope: '{{station}}' });
    assert.throws(
      () => pipeline('winds', { source, into: 'winds', params: { site: 'annecy' } }),
      /pipeline "winds": source scope: unknown template parameter \{\{station\}\}/,
    );
    const keyed = http({ url: 'https://beacons.example/{{site}}', name: 'beacon', scope: 'site={{site}}' });
    assert.doesNotThrow(() =>
      pipeline('winds', {
        source: keyed,
        into: 'winds',
        partitions: { keys: { name: 'site', values: ['annecy'] } },
      }),
    );
    assert.throws(
      () => http({ url: 'https://beacons.example/', scope: 'annecy' }),
      /has no \{\{parameter\}\}/,
    );
  });
});

for (const backend of await testBackends()) {
  describe(`scoped resilience on ${backend.kind}`, { skip: backend.skip }, () => {
    let upstreams: ScriptedUpstreams;
    before(async () => {
      upstreams = await startScriptedUpstreams(backend);
    });
    after(() => upstreams.close());

    it('opens only the failing site’s breaker: that site falls back, the others keep the primary', async () => {
      const [first, second] = upstreams.readers;
      const annecy = upstreams.route('/beacon/annecy', (response) =>
        response.writeHead(503).end('beacon down'),
      );
      upstreams.route('/beacon/chamonix', (response) =>
        response.writeHead(200, JSON_TYPE).end(ok('chamonix')),
      );
      const backupUrl = upstreams.route('/backup', (response) =>
        response.writeHead(200, JSON_TYPE).end(ok('backup')),
      );
      const chain = fallback(
        http({
          url: annecy.replace('annecy', '{{site}}'),
          name: 'beacon',
          scope: '{{site}}',
          retry: false,
          breaker: { threshold: 1, cooldownS: 900 },
        }),
        http({ url: backupUrl, name: 'backup' }),
      );

      const failed = await readFor(first, chain, { site: 'annecy' });
      assert.equal(failed.error, undefined);
      assert.equal(failed.servedBy, 'backup');
      assert.deepEqual(
        failed.providers.map(({ provider, outcome }) => [provider, outcome]),
        [
          ['beacon', 'failed'],
          ['backup', 'served'],
        ],
      );

      // Annecy's breaker is open: skipped without a request, in every process.
      const skipped = await readFor(second, chain, { site: 'annecy' });
      assert.equal(skipped.servedBy, 'backup');
      assert.equal(skipped.providers[0]?.outcome, 'skipped');
      assert.match(skipped.providers[0]?.message ?? '', /source "beacon\[annecy\]": circuit breaker open/);
      assert.match(skipped.providers[0]?.message ?? '', /sluice sources reset 'beacon\[annecy\]'/);
      assert.equal(upstreams.arrivals('/beacon/annecy').length, 1);

      // Chamonix, through the same chain in both processes, still gets the primary.
      for (const reader of [first, second]) {
        const served = await readFor(reader, chain, { site: 'chamonix' });
        assert.equal(served.servedBy, 'beacon');
        assert.deepEqual(
          served.items.map((item) => (item.kind === 'record' ? item.value : item.raw)),
          [{ site: 'chamonix', observed_at: '2026-01-01T00:00:00Z', wind_kmh: 12 }],
        );
      }
      assert.equal(upstreams.arrivals('/beacon/chamonix').length, 2);

      const now = new Date();
      assert.equal((await readBreaker(upstreams.db, 'beacon|annecy', now)).breaker.state, 'open');
      assert.equal((await readBreaker(upstreams.db, 'beacon|chamonix', now)).breaker.state, 'closed');
      // Unscoped state stays where it always was, untouched by the scopes.
      assert.equal((await readBreaker(upstreams.db, 'beacon', now)).breaker.version, 0);
    });

    it('throttles each scope to its own rate limit, counted from the start across processes', async () => {
      const urlA = upstreams.route('/rate/a', (response) => response.writeHead(200, JSON_TYPE).end(ok('a')));
      upstreams.route('/rate/b', (response) => response.writeHead(200, JSON_TYPE).end(ok('b')));
      const limited = http({
        url: urlA.replace('/rate/a', '/rate/{{site}}'),
        name: 'rated',
        scope: '{{site}}',
        rateLimit: { requests: 2, per: '400ms' },
      });
      const started = Date.now();
      await Promise.all(
        ['a', 'b'].flatMap((site) =>
          Array.from({ length: 4 }, (_, index) =>
            readFor(upstreams.readers[index % 2] as SourceReader, limited, { site }).then(({ error }) =>
              assert.equal(error, undefined),
            ),
          ),
        ),
      );
      // As in limits.test.ts: arrivals trail grants by a round trip a loaded machine stretches, so
      // only lower bounds hold: the k-th arrival of a scope comes no earlier than k/2 windows in.
      for (const site of ['a', 'b']) {
        const arrivals = [...upstreams.arrivals(`/rate/${site}`)].sort((left, right) => left - right);
        assert.equal(arrivals.length, 4);
        const late = arrivals.map((at, index) => ({
          after: at - started,
          floor: Math.floor(index / 2) * 400,
        }));
        assert.deepEqual(
          late.filter(({ after, floor }) => after < floor - 20),
          [],
          `site ${site} arrivals (ms after the start): ${late.map(({ after }) => after).join(', ')}`,
        );
      }
    });

    // Shared across scopes, the third call would wait an hour: the timeout turns that into a failure.
    it('does not count one scope’s requests against another’s', { timeout: 60_000 }, async () => {
      const urlX = upstreams.route('/hourly/x', (response) =>
        response.writeHead(200, JSON_TYPE).end(ok('x')),
      );
      upstreams.route('/hourly/y', (response) => response.writeHead(200, JSON_TYPE).end(ok('y')));
      // Two an hour: shared across scopes, the third and fourth calls below would wait an hour.
      const hourly = http({
        url: urlX.replace('/hourly/x', '/hourly/{{site}}'),
        name: 'hourly',
        scope: '{{site}}',
        rateLimit: { requests: 2, per: '1h' },
      });
      for (const site of ['x', 'x', 'y', 'y']) {
        const { error, servedBy } = await readFor(upstreams.readers[0], hourly, { site });
        assert.equal(error, undefined);
        assert.equal(servedBy, 'hourly');
      }
      // A third call for x waits for x's window; cancelled once it says so, it never reached the upstream.
      const controller = new AbortController();
      const logger = recordingLogger();
      const waiting = collectUntilError(
        upstreams.readers[1](
          hourly,
          testContext({ params: { site: 'x' }, logger, signal: controller.signal }),
        ),
      );
      await eventually('the third call for x waits for its rate limit', () =>
        logger.lines.some((line) => /rate limit of "hourly\[x\]": waiting/.test(line.message ?? '')),
      );
      controller.abort();
      const { error } = await waiting;
      assert.notEqual(errorCode(error), ErrorCode.breakerOpen);
      assert.equal(upstreams.arrivals('/hourly/x').length, 2);
      assert.equal(upstreams.arrivals('/hourly/y').length, 2);
    });
  });

  describe(`scoped state over /api/sources on ${backend.kind}`, { skip: backend.skip }, () => {
    let server: FixtureServer;
    let project: Awaited<ReturnType<typeof openApiProject>>;
    let annecyDown = true;
    before(async () => {
      server = await startFixtureServer({
        '/beacon/annecy': (_request, response) => {
          if (annecyDown) response.writeHead(503).end('beacon down');
          else response.writeHead(200, JSON_TYPE).end(ok('annecy'));
        },
        '/beacon/chamonix': (_request, response) => response.writeHead(200, JSON_TYPE).end(ok('chamonix')),
        '/backup/annecy': (_request, response) => response.writeHead(200, JSON_TYPE).end(ok('annecy')),
        '/backup/chamonix': (_request, response) => response.writeHead(200, JSON_TYPE).end(ok('chamonix')),
      });
      project = await openApiProject(
        backend,
        `import { dataset, defineConfig, fallback, http, pipeline, z } from 'sluice';
const winds = dataset('winds', {
  schema: z.object({ site: z.string(), observed_at: z.coerce.date(), wind_kmh: z.number() }),
  key: ['site', 'observed_at'],
  time: 'observed_at',
});
export default defineConfig({
  datasets: [winds],
  pipelines: [pipeline('winds', {
    source: fallback(
      http({ url: '${server.url}/beacon/{{site}}', name: 'beacon', scope: '{{site}}', retry: false,
             breaker: { threshold: 1, cooldownS: 900 } }),
      http({ url: '${server.url}/backup/{{site}}', name: 'backup' }),
    ),
    into: winds,
    partitions: { keys: { name: 'site', values: ['annecy', 'chamonix'] } },
  })],
});
`,
      );
    });
    after(async () => {
      await project?.close();
      await server?.close();
    });

    it('lists each scope as its own row and resets one by its scoped name', async () => {
      const { sluice, base } = project;
      const admin = (await createToken(sluice.db, 'ops', 'admin')).token;
      const viewer = (await createToken(sluice.db, 'dev', 'analyst')).token;
      const call = async (method: string, path: string, token: string) => {
        const response = await fetch(`${base}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}` },
        });
        return { status: response.status, body: await response.json() };
      };
      const list = async (): Promise<SourceStatus[]> => {
        const { status, body } = await call('GET', '/api/sources', viewer);
        assert.equal(status, 200);
        return (body as { sources: SourceStatus[] }).sources;
      };
      const bare = await list();
      assert.deepEqual(
        bare.map((source) => [source.name, source.scope]),
        [
          ['backup', null],
          ['beacon', null],
        ],
      );

      assert.equal((await sluice.run('winds', { partition: 'site=annecy' })).status, 'succeeded');
      assert.equal((await sluice.run('winds', { partition: 'site=chamonix' })).status, 'succeeded');
      const sources = await list();
      const byName = new Map(sources.map((source) => [source.name, source]));
      assert.deepEqual([...byName.keys()], ['backup', 'beacon[annecy]', 'beacon[chamonix]']);
      const annecy = byName.get('beacon[annecy]');
      assert.equal(annecy?.provider, 'beacon');
      assert.equal(annecy?.scope, 'annecy');
      assert.equal(annecy?.kind, 'http');
      assert.deepEqual(annecy?.pipelines, ['winds']);
      assert.equal(annecy?.breaker?.state, 'open');
      assert.match(annecy?.lastFailure?.message ?? '', /503/);
      const chamonix = byName.get('beacon[chamonix]');
      assert.equal(chamonix?.breaker?.state, 'closed');
      assert.ok(chamonix?.lastSuccess);
      assert.equal(chamonix?.lastFailure, null);
      assert.match(describeSources(sources), /beacon\[annecy\] +http +open/);

      const refused = await call('POST', '/api/sources/beacon%5Bannecy%5D/reset', viewer);
      assert.equal(refused.status, 403);
      const reset = await call('POST', `/api/sources/${encodeURIComponent('beacon[annecy]')}/reset`, admin);
      assert.equal(reset.status, 200);
      assert.deepEqual(reset.body, { provider: 'beacon[annecy]', previousState: 'open', state: 'closed' });
      const after = new Map((await list()).map((source) => [source.name, source]));
      assert.equal(after.get('beacon[annecy]')?.breaker?.state, 'closed');
      assert.equal(after.get('beacon[chamonix]')?.breaker?.state, 'closed');

      // The CLI on the same project: the scoped rows, and a reset by scoped name or stored key.
      const cli = (args: string[]) =>
        runCliInProcess(args, { cwd: project.dir }, async () => ({ ...sluice, close: async () => {} }));
      const shown = await cli(['sources']);
      assert.equal(shown.code, 0);
      assert.match(shown.stdout, /beacon\[annecy\] +http +closed/);
      assert.match(shown.stdout, /beacon\[chamonix\] +http +closed/);
      const resetByName = await cli(['sources', 'reset', 'beacon[chamonix]']);
      assert.equal(resetByName.code, 0, resetByName.stderr);
      assert.equal(resetByName.stdout, 'circuit breaker of "beacon[chamonix]" closed (it was closed)\n');
      const resetByKey = await cli(['sources', 'reset', 'beacon|chamonix', '--json']);
      assert.equal(JSON.parse(resetByKey.stdout).provider, 'beacon[chamonix]');

      // Closed again, annecy's next run goes to its beacon, now back up.
      annecyDown = false;
      const report = await sluice.run('winds', { partition: 'site=annecy' });
      assert.equal(report.status, 'succeeded');
      assert.equal(report.provider, 'beacon');
    });
  });
}

// The REST API over real HTTP with real tokens: the auth matrix from the router's own route list,
// then what each route returns, on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import type { RouteEntry } from '../../src/adapters/api/auth.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { createToken, revokeToken } from '../../src/adapters/postgres/token-store.ts';
import { roleAllows } from '../../src/domain/roles.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import { readJson } from '../support/http.ts';
import { withInitProject } from '../support/project.ts';

const CALLERS = ['none', 'revoked', 'viewer', 'analyst', 'admin'] as const;

for (const backend of await testBackends()) {
  describe(`REST API on ${backend.kind}`, { skip: backend.skip }, () => {
    let sluice: Sluice;
    let base: string;
    let routes: RouteEntry[];
    let close: () => Promise<void>;
    const tokens: Record<string, string> = {};
    let runId: string;

    before(async () => {
      const project = await withInitProject();
      const database = await backend.open({ migrated: true });
      const url = database.url;
      sluice = await openSluice({
        cwd: project.dir,
        databaseUrl: url,
        dataDir: `${project.dir}/.sluice`,
        logger: createLogger({ level: 'silent' }),
      });
      const report = await sluice.run('readings_csv');
      runId = report.runId;
      for (const role of ['viewer', 'analyst', 'admin'] as const) {
        tokens[role] = (await createToken(sluice.db, `t_${role}`, role)).token;
      }
      tokens.revoked = (await createToken(sluice.db, 't_revoked', 'admin')).token;
      await revokeToken(sluice.db, 't_revoked');
      const server = await buildApiServer(sluice);
      routes = server.routes;
      base = await server.app.listen({ port: 0, host: '127.0.0.1' });
      close = async () => {
        await server.app.close();
        await sluice.settle(10_000);
        await sluice.close();
        await database.close();
        await project.remove();
      };
    });
    after(() => close());

    const call = (method: string, path: string, caller: string) =>
      fetch(`${base}${path}`, {
        method,
        headers: caller === 'none' ? {} : { authorization: `Bearer ${tokens[caller]}` },
      });

    it('every route × {no token, revoked, viewer, analyst, admin} gets exactly what its policy allows', async () => {
      assert.ok(
        routes.length >= 12,
        `routes registered: ${routes.map((r) => `${r.method} ${r.url}`).join(', ')}`,
      );
      // The session routes take a credential in the body or the cookie, not the bearer header:
      // test/api/sessions.test.ts covers them.
      for (const route of routes.filter((entry) => entry.url !== '/api/session')) {
        const path = route.url
          .replace(':name', route.url.startsWith('/api/pipelines') ? 'readings_csv' : 'readings')
          .replace(':id', runId);
        for (const caller of CALLERS) {
          const response = await call(route.method, path, caller);
          // An event stream never ends by itself: the status is all this test needs.
          if (response.headers.get('content-type')?.startsWith('text/event-stream'))
            await response.body?.cancel();
          else await response.arrayBuffer();
          const label = `${route.method} ${route.url} as ${caller} (policy ${route.policy})`;
          if (route.policy === 'public') assert.equal(response.status, 200, label);
          else if (caller === 'none' || caller === 'revoked') assert.equal(response.status, 401, label);
          else if (!roleAllows(caller, route.policy)) assert.equal(response.status, 403, label);
          // Past auth anything but 401/403 is the route's own answer (a 400 for a missing parameter, a 409…).
          else
            assert.ok(
              ![401, 403].includes(response.status) && response.status < 500,
              `${label}: ${response.status}`,
            );
        }
      }
      await sluice.settle(10_000);
    });

    it('lists pipelines with their last run and triggers a run that waits for its end', async () => {
      const list = await readJson(await call('GET', '/api/pipelines', 'viewer'));
      assert.equal(list.pipelines[0].name, 'readings_csv');
      assert.equal(list.pipelines[0].dataset, 'readings');
      const triggered = await call('POST', '/api/pipelines/readings_csv/runs?wait=true', 'analyst');
      assert.equal(triggered.status, 200);
      const body = await readJson(triggered);
      assert.equal(body.status, 'succeeded');
      assert.equal(body.run.unchanged, 4);
      const run = await readJson(await call('GET', `/api/runs/${body.runId}`, 'viewer'));
      assert.equal(run.run.trigger, 'api:t_analyst');
      assert.equal(run.run.status, 'succeeded');
      // The short id the CLI prints names the same run; a shorter one is a 400 saying the minimum.
      const short = await readJson(await call('GET', `/api/runs/${body.runId.slice(0, 8)}`, 'viewer'));
      assert.equal(short.run.id, body.runId);
      const tooShort = await call('GET', `/api/runs/${body.runId.slice(0, 7)}`, 'viewer');
      assert.equal(tooShort.status, 400);
      assert.match((await readJson(tooShort)).detail, /at least 8/);
    });

    it('pages through runs with a cursor and validates parameters with 400s naming them', async () => {
      const first = await readJson(await call('GET', '/api/runs?limit=1', 'viewer'));
      assert.equal(first.runs.length, 1);
      assert.ok(first.nextCursor);
      const second = await readJson(
        await call('GET', `/api/runs?limit=1&cursor=${first.nextCursor}`, 'viewer'),
      );
      assert.notEqual(second.runs[0].id, first.runs[0].id);
      const bad = await call('GET', '/api/runs?limit=0', 'viewer');
      assert.equal(bad.status, 400);
      assert.equal(bad.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      const problem = await readJson(bad);
      assert.equal(problem.code, 'invalid_parameter');
      assert.match(problem.detail, /querystring\.limit/);
      assert.equal((await call('GET', '/api/runs?status=done', 'viewer')).status, 400);
      assert.equal((await call('GET', '/api/runs?cursor=nonsense', 'viewer')).status, 400);
      // A malformed id is the same 400 on every route that takes one; a well-formed unknown one is a 404.
      for (const [method, path, caller] of [
        ['GET', '/api/runs/not-a-run', 'viewer'],
        ['POST', '/api/runs/not-a-run/cancel', 'admin'],
        ['GET', '/api/backfills/not-a-run', 'viewer'],
        ['POST', '/api/backfills/not-a-run/pause', 'admin'],
        ['POST', '/api/backfills/not-a-run/partitions/2025-W01/retry', 'admin'],
      ] as const) {
        const malformed = await call(method, path, caller);
        assert.equal(malformed.status, 400, `${method} ${path}`);
        const detail = await readJson(malformed);
        assert.equal(detail.code, 'invalid_parameter', `${method} ${path}`);
        assert.match(detail.detail, /params\.id: not a (run|backfill) id/, `${method} ${path}`);
      }
      assert.equal((await call('GET', '/api/runs/0123abcd', 'viewer')).status, 404);
      assert.equal((await call('GET', '/api/runs?pipeline=ghost', 'viewer')).status, 404);
      assert.equal((await call('GET', '/api/nope', 'viewer')).status, 404);
    });

    it('serves records filtered by key and time, sorted, paged and as safe CSV', async () => {
      const page = await readJson(
        await call('GET', '/api/datasets/readings/records?station=07015&order=asc&limit=2', 'viewer'),
      );
      assert.deepEqual(
        page.records.map((r: { observed_at: string }) => r.observed_at),
        ['2024-10-05T00:00:00.000Z', '2024-10-05T01:00:00.000Z'],
      );
      const rest = await readJson(
        await call(
          'GET',
          `/api/datasets/readings/records?station=07015&order=asc&limit=2&cursor=${page.nextCursor}`,
          'viewer',
        ),
      );
      assert.deepEqual(
        rest.records.map((r: { observed_at: string }) => r.observed_at),
        ['2024-10-05T02:00:00.000Z'],
      );
      assert.equal(rest.nextCursor, null);
      // Keyset paging on a column with a null (07015 at 02:00 has no temperature): each row once,
      // the null last, in both directions.
      for (const order of ['asc', 'desc'] as const) {
        const seen: Array<number | null> = [];
        let cursor: string | null = null;
        do {
          const query = new URLSearchParams({ sort: 'temperature_c', order, limit: '1' });
          if (cursor) query.set('cursor', cursor);
          const step = await readJson(await call('GET', `/api/datasets/readings/records?${query}`, 'viewer'));
          seen.push(...step.records.map((r: { temperature_c: number | null }) => r.temperature_c));
          cursor = step.nextCursor;
        } while (cursor !== null && seen.length < 10);
        const numbers = order === 'asc' ? [9.4, 10.9, 11.2] : [11.2, 10.9, 9.4];
        assert.deepEqual(seen, [...numbers, null], order);
      }
      assert.equal(
        (await call('GET', '/api/datasets/readings/records?cursor=bm9wZQ', 'viewer')).status,
        400,
        'a cursor this API did not answer',
      );
      const alien = Buffer.from(JSON.stringify(['1'])).toString('base64url');
      assert.equal(
        (await call('GET', `/api/datasets/readings/records?cursor=${alien}`, 'viewer')).status,
        400,
      );
      const ranged = await readJson(
        await call(
          'GET',
          '/api/datasets/readings/records?from=2024-10-05T01:00:00Z&to=2024-10-05T02:00:00Z',
          'viewer',
        ),
      );
      assert.equal(ranged.records.length, 1);
      assert.equal(
        (await call('GET', '/api/datasets/readings/records?observed_at=not-a-date', 'viewer')).status,
        400,
      );
      assert.equal(
        (await call('GET', '/api/datasets/readings/records?temperature_c=1', 'viewer')).status,
        400,
      );
      assert.equal((await call('GET', '/api/datasets/readings/records?sort=nope', 'viewer')).status, 400);
      assert.equal((await call('GET', '/api/datasets/readings/records?from=noon', 'viewer')).status, 400);
      assert.equal((await call('GET', '/api/datasets/ghost/records', 'viewer')).status, 404);
      const csv = await call(
        'GET',
        '/api/datasets/readings/records?format=csv&station=07015&order=asc',
        'viewer',
      );
      assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
      const lines = (await csv.text()).trim().split('\r\n');
      assert.match(lines[0] ?? '', /^station,observed_at,temperature_c,_run_id/);
      assert.equal(lines.length, 4);
    });

    it('previews the latest records per provider, and reports stats, readiness and metrics', async () => {
      const preview = await readJson(await call('GET', '/api/datasets/readings/preview', 'viewer'));
      assert.equal(preview.providers[0].provider, 'files');
      assert.equal(preview.providers[0].records.length, 4);
      const stats = await readJson(await call('GET', '/api/stats?days=30', 'viewer'));
      assert.equal(stats.datasets[0].rows, 4);
      assert.equal((await call('GET', '/api/stats?days=abc', 'viewer')).status, 400);
      assert.deepEqual(await readJson(await call('GET', '/readyz', 'viewer')), {
        status: 'ready',
        database: sluice.db.kind,
      });
      const metrics = await (await call('GET', '/metrics', 'viewer')).text();
      assert.match(metrics, /sluice_runs_total\{pipeline="readings_csv",status="succeeded"\} \d+/);
      assert.match(metrics, /sluice_records_total\{pipeline="readings_csv",outcome="inserted"\} 4/);
      assert.match(metrics, /^sluice_runs_queued \d+$/m);
      assert.match(metrics, /^sluice_scheduler_lag_seconds [\d.]+$/m);
      const openapi = await readJson(await call('GET', '/api/openapi.json', 'viewer'));
      assert.ok(openapi.paths['/api/datasets/{name}/records']);
      assert.match(await (await call('GET', '/api/docs', 'viewer')).text(), /<h1>sluice API<\/h1>/);
    });

    it('refuses oversized bodies with 413 and never answers 500 to bad input', async () => {
      const big = await fetch(`${base}/api/pipelines/readings_csv/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }),
      });
      assert.equal(big.status, 413);
      const malformed = await fetch(`${base}/api/pipelines/readings_csv/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
        body: '{"not json',
      });
      assert.equal(malformed.status, 400);
      await sluice.settle(10_000);
    });
  });
}

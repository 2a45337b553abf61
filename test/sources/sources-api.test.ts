// A whole project whose fallback chain fails in every way down to its static last resort: provenance
// on runs and rows, GET /api/sources, resets over the API and the CLI, and a canary secret that must
// appear in no output at all (logs, run errors, reports, events, stats, API answers, metrics).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { openSluice } from '../../src/main.ts';
import { type CliResult, runCli } from '../support/cli.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { withInitProject } from '../support/project.ts';

const CANARY = 'canary-S3cr3t/Key+42';
const CANARY_FORMS = [
  CANARY,
  encodeURIComponent(CANARY),
  new URLSearchParams({ k: CANARY }).toString().slice(2),
];

const config = (
  url: string,
) => `import { dataset, defineConfig, fallback, http, pipeline, secret, staticValue, z } from 'sluice';
const rates = dataset('fx_rates', {
  schema: z.object({ base: z.string(), quote: z.string(), day: z.iso.date(), rate: z.number() }),
  key: ['base', 'quote', 'day'],
  time: 'day',
});
const key = secret('CANARY_KEY');
export default defineConfig({
  datasets: [rates],
  pipelines: [pipeline('fx_latest', {
    source: fallback(
      http({ url: '${url}/primary', name: 'primary', query: { apikey: key }, headers: { authorization: key },
             retry: { attempts: 2, baseDelayMs: 1 }, breaker: { threshold: 2, cooldownS: 900 } }),
      http({ url: '${url}/secondary', name: 'secondary', query: { apikey: key }, breaker: { threshold: 1, cooldownS: 900 },
             check: { body: (doc) => doc.status === 'error' ? doc.message : undefined } }),
      http({ url: '${url}/tertiary', name: 'tertiary', query: { apikey: key }, retry: false }),
      staticValue({ name: 'fx', records: [{ base: 'EUR', quote: 'USD', rate: 1.08 }], asOf: '2025-06-13' }),
    ),
    into: rates,
    transform: (record, { origin }) => ({ ...record, day: origin.asOf }),
  })],
});
`;

describe('sources end to end, with a canary secret', () => {
  let server: FixtureServer;
  let project: { dir: string; remove(): Promise<void> };
  const outputs: Array<{ where: string; text: string }> = [];
  const keep = (where: string, text: string) => outputs.push({ where, text });
  const cli = async (args: string[]): Promise<CliResult> => {
    const result = await runCli(args, { cwd: project.dir, env: { CANARY_KEY: CANARY, LOG_LEVEL: 'debug' } });
    keep(`sluice ${args.join(' ')} (stdout)`, result.stdout);
    keep(`sluice ${args.join(' ')} (stderr)`, result.stderr);
    return result;
  };

  before(async () => {
    server = await startFixtureServer({
      // Upstreams that quote the key back, as real ones do in error messages.
      '/primary': (request, response) => {
        const key = new URL(request.url ?? '/', 'http://x').searchParams.get('apikey');
        response.writeHead(503, { 'content-type': 'text/plain' });
        response.end(`overloaded; key ${key}, header ${request.headers.authorization}`);
      },
      '/secondary': (request, response) => {
        const key = new URL(request.url ?? '/', 'http://x').searchParams.get('apikey');
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ code: 401, message: `invalid api key ${key}`, status: 'error' }));
      },
      '/tertiary': (request) => request.socket.destroy(),
    });
    project = await withInitProject();
    await writeFile(join(project.dir, 'sluice.config.ts'), config(server.url));
  });
  after(async () => {
    await server.close();
    await project.remove();
  });

  it('falls through every failing provider to the static value, and says so on the run and the rows', async () => {
    const first = await cli(['run', 'fx_latest', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout);
    assert.equal(report.status, 'succeeded');
    assert.equal(report.provider, 'static:fx');
    assert.deepEqual(
      report.providers.map((p: { provider: string; outcome: string }) => `${p.provider} ${p.outcome}`),
      ['primary failed', 'secondary failed', 'tertiary failed', 'static:fx served'],
    );
    assert.equal(report.providers[3].asOf, '2025-06-13');
    assert.match(
      report.providers[1].message,
      /the response is an error, not data: invalid api key \[redacted\]/,
    );
    assert.match(first.stderr, /circuit breaker of \\"primary\\" opened/);

    const second = await cli(['run', 'fx_latest']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stdout,
      /providers: primary skipped, secondary skipped, tertiary failed, static:fx served \(static values as of 2025-06-13\)/,
    );
    assert.match(second.stdout, /served by static:fx/);
    assert.equal(server.requests.filter((r) => r.url.startsWith('/primary')).length, 2);
    assert.equal(server.requests.filter((r) => r.url.startsWith('/secondary')).length, 1);

    // A dry run on PGlite keeps the provider state in its own transaction, and rolls it back too.
    const dry = await cli(['run', 'fx_latest', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /served by static:fx/);
    const dryJson = JSON.parse((await cli(['run', 'fx_latest', '--dry-run', '--json'])).stdout);
    assert.match(
      dryJson.providers[0].message,
      /circuit breaker open since .*; reset it with `sluice sources reset primary` \(or POST \/api\/sources\/primary\/reset\)$/,
    );

    const listed = await cli(['sources', '--json']);
    const sources = JSON.parse(listed.stdout).sources as Array<{
      name: string;
      breaker: { state: string } | null;
    }>;
    assert.deepEqual(
      sources.map((source) => [source.name, source.breaker?.state ?? null]),
      [
        ['primary', 'open'],
        ['secondary', 'open'],
        ['static:fx', null],
        ['tertiary', 'closed'],
      ],
    );
    const table = await cli(['sources']);
    assert.match(table.stdout, /primary\s+http\s+open\s+2\s/);
    assert.match(table.stdout, /primary: breaker open, next probe after/);
  });

  it('shows providers over the API, resets a breaker as admin only, and the CLI resets another', async () => {
    const sluice = await openSluice({ cwd: project.dir, logger: createLogger({ level: 'silent' }) });
    try {
      const { rows } = await sluice.db.query<{ _provider: string; day: string }>(
        'SELECT _provider, day::text FROM public.fx_rates',
      );
      assert.deepEqual(rows, [{ _provider: 'static:fx', day: '2025-06-13' }]);
      const api = await buildApiServer(sluice);
      const base = await api.app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const admin = (await createToken(sluice.db, 'ops', 'admin')).token;
        const analyst = (await createToken(sluice.db, 'dev', 'analyst')).token;
        const call = async (method: string, path: string, token = admin) => {
          const response = await fetch(`${base}${path}`, {
            method,
            headers: { authorization: `Bearer ${token}` },
          });
          const text = await response.text();
          keep(`${method} ${path}`, text);
          return { status: response.status, text };
        };
        const listed = JSON.parse((await call('GET', '/api/sources')).text);
        const primary = listed.sources.find((source: { name: string }) => source.name === 'primary');
        assert.equal(primary.breaker.state, 'open');
        assert.equal(primary.breaker.consecutiveFailures, 2);
        assert.equal(primary.breaker.threshold, 2);
        assert.match(
          primary.lastFailure.message,
          /answered HTTP 503: overloaded; key \[redacted\], header \[redacted\]/,
        );
        assert.deepEqual(primary.requests, { server_error: 2, short_circuited: 1 });
        assert.equal(primary.latencyMs.samples, 2);
        // The dashboard's p50/p95/p99 (the CLI's p90 too), nearest rank over the kept latencies.
        for (const p of ['p50', 'p90', 'p95', 'p99'] as const)
          assert.equal(typeof primary.latencyMs[p], 'number');
        assert.ok(
          primary.latencyMs.p50 <= primary.latencyMs.p95 && primary.latencyMs.p95 <= primary.latencyMs.p99,
        );
        assert.equal(
          primary.latencyMs.p95,
          primary.latencyMs.p99,
          'of two samples, p95 and p99 are the slower',
        );
        assert.deepEqual(listed.sources.find((s: { name: string }) => s.name === 'static:fx').pipelines, [
          'fx_latest',
        ]);

        assert.equal((await call('POST', '/api/sources/primary/reset', analyst)).status, 403);
        const reset = await call('POST', '/api/sources/primary/reset');
        assert.equal(reset.status, 200);
        assert.deepEqual(JSON.parse(reset.text), {
          provider: 'primary',
          previousState: 'open',
          state: 'closed',
        });
        assert.equal((await call('POST', '/api/sources/nope/reset')).status, 404);
        const metrics = (await call('GET', '/metrics')).text;
        assert.match(
          metrics,
          /sluice_upstream_requests_total\{provider="primary",outcome="server_error"\} 2/,
        );
        assert.match(metrics, /sluice_breaker_state\{provider="primary",state="closed"\} 1/);
        assert.match(metrics, /sluice_upstream_latency_seconds_count\{provider="secondary"\} 1/);
        const runs = JSON.parse((await call('GET', '/api/runs')).text);
        for (const run of runs.runs) await call('GET', `/api/runs/${run.id}`);

        const { rows: events } = await sluice.db.query<{
          type: string;
          payload: { provider: string; reason: string };
        }>(`SELECT type, payload FROM sluice.events WHERE type LIKE 'breaker:%' ORDER BY id`);
        assert.deepEqual(
          events.map((event) => `${event.type} ${event.payload.provider}`),
          ['breaker:opened primary', 'breaker:opened secondary', 'breaker:closed primary'],
        );
        assert.equal(events[2]?.payload.reason, 'reset by api:ops');
        // Everything stored, straight from the tables: what any future output could show.
        for (const table of ['events', 'runs', 'source_stats', 'source_breakers', 'quarantine']) {
          const { rows: all } = await sluice.db.query(`SELECT * FROM sluice.${table}`);
          keep(`sluice.${table}`, JSON.stringify(all));
        }
      } finally {
        await api.app.close();
      }
    } finally {
      await sluice.close();
    }

    const reset = await cli(['sources', 'reset', 'secondary']);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /circuit breaker of "secondary" closed \(it was open\)/);
    const unknown = await cli(['sources', 'reset', 'nope']);
    assert.equal(unknown.code, 2);
    assert.match(
      unknown.stderr,
      /no source provider with a breaker is named "nope" \(known: primary, secondary, tertiary\)/,
    );
  });

  it('never shows the canary secret, in any form, anywhere', () => {
    assert.ok(outputs.length > 20, `collected ${outputs.length} outputs`);
    assert.ok(
      outputs.some((output) => output.text.includes('[redacted]')),
      'the secret was there to redact',
    );
    for (const { where, text } of outputs) {
      for (const form of CANARY_FORMS)
        assert.ok(!text.includes(form), `${where} shows the secret as ${form}`);
    }
  });
});

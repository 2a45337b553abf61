// A populated /metrics (file and http runs, an open breaker, a backfill in progress: a sample in every
// family) passes `promtool check metrics` and a strict OpenMetrics parser, and its histograms count
// what the database holds, on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { type ApiProject, openApiProject } from '../support/api-project.ts';
import { testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { observations } from '../support/weekly-obs.ts';

const promtool = spawnSync('promtool', ['--version']).status === 0;
// CI installs promtool (.ci/run); a laptop without it skips rather than fails.
if (!promtool && process.env.CI === 'true')
  throw new Error('promtool is missing: apt-get install -y prometheus');

// promtool 2.x parses only the 0.0.4 text format; the OpenMetrics answer goes through the Python
// client's strict OpenMetrics parser (Debian python3-prometheus-client), which rejects any violation.
const PARSE = `import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse
for family in parse(sys.stdin.read()): print(family.name, family.type)`;
const openMetricsParser =
  spawnSync('/usr/bin/python3', ['-c', 'import prometheus_client.openmetrics.parser']).status === 0;
if (!openMetricsParser && process.env.CI === 'true')
  throw new Error('apt-get install -y python3-prometheus-client');

// The init project's file pipeline, an http chain whose first provider is down (its breaker opens
// on the first failure) and whose second answers, and a partitioned pipeline to backfill.
const config = (
  url: string,
) => `import { dataset, defineConfig, fallback, files, http, numberOrNull, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string().min(1), observed_at: z.coerce.date(), temperature_c: z.number().nullable() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
  write: 'merge',
});
export default defineConfig({
  datasets: [readings],
  pipelines: [
    pipeline('readings_csv', {
      source: files({ dir: 'data', glob: '*.csv' }),
      into: readings,
      transform: (row) => ({ station: row.station, observed_at: row.observed_at, temperature_c: numberOrNull(row.temperature_c) }),
    }),
    pipeline('obs_latest', {
      source: fallback(
        http({ url: '${url}/down', name: 'down', retry: false, breaker: { threshold: 1, cooldownS: 900 } }),
        http({ url: '${url}/obs/annecy?from=2025-01-06&to=2025-01-08', name: 'obs' }),
      ),
      into: readings,
      transform: (record) => ({ station: 'annecy', observed_at: record.t, temperature_c: record.v }),
    }),
    pipeline('weekly_obs', {
      source: http({ url: '${url}/obs/{{site}}?from={{start_date}}&to={{end_date}}', name: 'weekly' }),
      into: readings,
      partitions: {
        time: { every: 'weekly', start: '2025-01-06' },
        keys: { name: 'site', values: ['annecy', 'chambery'] },
      },
      transform: (record, { params }) => ({ station: params.site, observed_at: record.t, temperature_c: record.v }),
    }),
  ],
});
`;

// Every family `# TYPE` declares, and the names its samples may carry.
function familiesWithoutSamples(text: string): string[] {
  const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({
    name: m[1] ?? '',
    type: m[2] ?? '',
  }));
  const sampled = new Set([...text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/gm)].map((m) => m[1]));
  const suffixes: Record<string, string[]> = {
    histogram: ['_bucket', '_sum', '_count'],
    summary: ['', '_sum', '_count'],
  };
  return families
    .filter(({ name, type }) => !(suffixes[type] ?? ['']).some((suffix) => sampled.has(`${name}${suffix}`)))
    .map(({ name }) => name);
}

for (const backend of await testBackends()) {
  describe(`/metrics through promtool on ${backend.kind}`, { skip: backend.skip }, () => {
    let project: ApiProject;
    let upstream: FixtureServer;
    let token: string;

    before(async () => {
      const handler = observations(new Set(), { now: 0, max: 0 });
      upstream = await startFixtureServer({
        '/down': { status: 503, headers: { 'content-type': 'text/plain' }, body: 'overloaded' },
        '/obs/annecy': handler,
        '/obs/chambery': handler,
      });
      project = await openApiProject(backend, config(upstream.url));
      const { sluice } = project;
      await sluice.run('readings_csv');
      await sluice.run('readings_csv');
      // The first run opens the breaker of `down`; the second skips it (short-circuited).
      await sluice.run('obs_latest');
      await sluice.run('obs_latest');
      token = (await createToken(sluice.db, 't_viewer', 'viewer')).token;
      const admin = (await createToken(sluice.db, 't_admin', 'admin')).token;
      // No backfill workers run here, so its partitions stay pending: samples for the partition gauge.
      const created = await fetch(`${project.base}/api/backfills`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ pipeline: 'weekly_obs', from: '2025-01-06', to: '2025-01-19' }),
      });
      assert.equal(created.status, 201, await created.text());
    });
    after(async () => {
      await project.close();
      await upstream.close();
    });

    const scrape = async () => {
      const response = await fetch(`${project.base}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return response.text();
    };

    it('has a sample in every family it declares', async () => {
      const text = await scrape();
      assert.deepEqual(familiesWithoutSamples(text), [], text);
      assert.match(text, /^sluice_breaker_state\{provider="down",state="open"\} 1$/m);
      assert.match(text, /^sluice_backfill_partitions\{pipeline="weekly_obs",state="[a-z_]+"\} 4$/m);
    });

    it('passes promtool check metrics with no lint problems', {
      skip: !promtool && 'promtool not installed',
    }, async () => {
      const text = await scrape();
      const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(`${check.stdout}${check.stderr}`, '');
      assert.equal(check.status, 0);
    });

    it('answers OpenMetrics 1.0.0 to a scraper that asks, and a strict OpenMetrics parser accepts it', {
      skip: !openMetricsParser && 'python3-prometheus-client not installed',
    }, async () => {
      const response = await fetch(`${project.base}/metrics`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/openmetrics-text; version=1.0.0' },
      });
      assert.equal(
        response.headers.get('content-type'),
        'application/openmetrics-text; version=1.0.0; charset=utf-8',
      );
      const text = await response.text();
      assert.match(text, /\n# EOF\n$/);
      assert.match(text, /^# TYPE sluice_runs counter$/m);
      assert.match(text, /^# UNIT sluice_run_duration_seconds seconds$/m);
      assert.match(text, /^# UNIT sluice_upstream_latency_seconds seconds$/m);
      const parse = spawnSync('/usr/bin/python3', ['-c', PARSE], { input: text, encoding: 'utf8' });
      assert.equal(parse.stderr, '');
      assert.equal(parse.status, 0);
      assert.match(parse.stdout, /^sluice_run_duration_seconds histogram$/m);
      assert.match(parse.stdout, /^sluice_upstream_latency_seconds histogram$/m);
    });

    it('counts every finished run in the duration histogram and its dataset writes', async () => {
      const text = await scrape();
      const series = 'pipeline="readings_csv",status="succeeded"';
      assert.match(text, /^# TYPE sluice_run_duration_seconds histogram$/m);
      assert.match(text, new RegExp(`^sluice_run_duration_seconds_count\\{${series}\\} 2$`, 'm'));
      assert.match(
        text,
        new RegExp(`^sluice_run_duration_seconds_bucket\\{${series},le="\\+Inf"\\} 2$`, 'm'),
      );
      assert.match(text, new RegExp(`^sluice_runs_total\\{${series}\\} 2$`, 'm'));
      assert.match(text, /^sluice_dataset_write_seconds_count\{dataset="readings"\} 4$/m);
      assert.doesNotMatch(text, /sluice_run_duration_seconds_sum\{[^}]*\} -/);
      // Buckets never decrease: each bound counts the runs at or below it.
      const buckets = [
        ...text.matchAll(
          new RegExp(`^sluice_run_duration_seconds_bucket\\{${series},le="[^"]+"\\} (\\d+)$`, 'gm'),
        ),
      ].map((m) => Number(m[1]));
      assert.equal(buckets.length, 14);
      assert.deepEqual(
        [...buckets].sort((a, b) => a - b),
        buckets,
      );
    });

    it('counts every upstream call sent in a cumulative latency histogram whose +Inf is _count', async () => {
      const text = await scrape();
      assert.match(text, /^# TYPE sluice_upstream_latency_seconds histogram$/m);
      // `obs` answered both runs and `down` failed once; its second call was short-circuited, never sent.
      for (const [provider, calls] of [
        ['obs', 2],
        ['down', 1],
      ] as const) {
        const buckets = [
          ...text.matchAll(
            new RegExp(
              `^sluice_upstream_latency_seconds_bucket\\{provider="${provider}",le="([^"]+)"\\} (\\d+)$`,
              'gm',
            ),
          ),
        ].map((m) => ({ le: m[1], count: Number(m[2]) }));
        assert.deepEqual(
          buckets.map((b) => b.le),
          ['0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '30', '60', '+Inf'],
        );
        const counts = buckets.map((b) => b.count);
        assert.deepEqual(
          [...counts].sort((a, b) => a - b),
          counts,
        );
        assert.equal(counts.at(-1), calls);
        assert.match(
          text,
          new RegExp(`^sluice_upstream_latency_seconds_count\\{provider="${provider}"\\} ${calls}$`, 'm'),
        );
        // Local calls take well under a minute.
        assert.equal(counts.at(-2), calls);
      }
      assert.match(text, /^sluice_upstream_requests_total\{provider="down",outcome="short_circuited"\} 1$/m);
    });
  });
}

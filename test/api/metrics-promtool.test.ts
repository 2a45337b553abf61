// /metrics after real runs passes `promtool check metrics` (no lint problems), and its histograms count
// what the runs table holds, on PGlite and PostgreSQL.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import { withInitProject } from '../support/project.ts';

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

for (const backend of await testBackends()) {
  describe(`/metrics through promtool on ${backend.kind}`, { skip: backend.skip }, () => {
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
      await sluice.run('readings_csv');
      await sluice.run('readings_csv');
      token = (await createToken(sluice.db, 't_viewer', 'viewer')).token;
      const server = await buildApiServer(sluice);
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

    const scrape = async () => {
      const response = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return response.text();
    };

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
      const response = await fetch(`${base}/metrics`, {
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
      const parse = spawnSync('/usr/bin/python3', ['-c', PARSE], { input: text, encoding: 'utf8' });
      assert.equal(parse.stderr, '');
      assert.equal(parse.status, 0);
      assert.match(parse.stdout, /^sluice_run_duration_seconds histogram$/m);
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
      assert.match(text, /^sluice_dataset_write_seconds_count\{dataset="readings"\} 2$/m);
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
  });
}

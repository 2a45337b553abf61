// The datasets and quarantine pages in a real browser against a real `sluice serve` on PGlite and
// PostgreSQL: schema, sizes, preview, filtered and paged records, CSV export, the chart, a live
// update, the quarantine with its raw value and a replay, French, and a viewer who cannot replay.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase, testBackends } from '../support/databases.ts';
import { eventually } from '../support/eventually.ts';
import { readJson } from '../support/http.ts';
import { withInitProject } from '../support/project.ts';
import { assertAccessible, browserSkip, openBrowser } from './browser.ts';
import { ensureDashboardBuilt, SCREENSHOTS, type Server, startServer } from './serve.ts';

/** Hourly rows of two stations up to an hour ago, beside the example's 4 rows from 2024. */
const RECENT_HOURS = 48;
const HOUR_MS = 3_600_000;
/** Station 99999 saws from -5 to 24 °C; 99997, half an hour later, follows the day from 2 to 10 °C. */
const sawtooth = (hour: number) => (hour % 30) - 5;
const daily = (hour: number) => Math.round(60 + 40 * Math.sin((hour * Math.PI) / 12)) / 10;
const hours = Array.from({ length: RECENT_HOURS }, (_, index) => index + 1);
const en = new Intl.NumberFormat('en');

/** The example project, its extra rows and one row the schema rejects (999 °C), collected once. */
async function preparedProject(kind: 'pglite' | 'postgres') {
  const project = await withInitProject({ pglite: kind === 'pglite' });
  const database = kind === 'postgres' ? await createPostgresDatabase({ migrated: true }) : undefined;
  const env: Record<string, string> = database ? { DATABASE_URL: database.url } : { DATABASE_URL: '' };
  const lines = ['station,observed_at,temperature_c'];
  const now = Date.now();
  for (const hour of hours) {
    lines.push(`99999,${new Date(now - hour * HOUR_MS).toISOString()},${sawtooth(hour)}`);
    lines.push(`99997,${new Date(now - hour * HOUR_MS - HOUR_MS / 2).toISOString()},${daily(hour)}`);
  }
  lines.push('99998,2024-10-05T00:00:00Z,999');
  await writeFile(join(project.dir, 'data', 'extra.csv'), `${lines.join('\n')}\n`);
  const run = await runCli(['run', 'readings_csv'], { cwd: project.dir, env });
  assert.equal(run.code, 3, `a partial run (one row rejected): ${run.stderr}`);
  const tokens: Record<string, string> = {};
  for (const role of ['analyst', 'viewer'] as const) {
    const created = await runCli(['tokens', 'create', '--name', role, '--role', role, '--json'], {
      cwd: project.dir,
      env,
    });
    assert.equal(created.code, 0, created.stderr);
    tokens[role] = JSON.parse(created.stdout).token as string;
  }
  return {
    dir: project.dir,
    env,
    tokens,
    async remove() {
      await project.remove();
      await database?.drop();
    },
  };
}

/** Each body row's cells as text. */
async function cellsOf(table: Locator): Promise<string[][]> {
  const rows = await table.locator('tbody tr').all();
  return Promise.all(
    rows.map(async (row) => (await row.locator('th, td').allTextContents()).map((text) => text.trim())),
  );
}

async function signInWithToken(page: Page, server: Server, token: string): Promise<void> {
  await page.goto(server.url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('principal').waitFor();
}

const skip = browserSkip();
const backends = await testBackends();

before(async () => {
  if (!skip) await ensureDashboardBuilt();
});

for (const backend of backends) {
  describe(`datasets and quarantine pages in chromium (${backend.kind})`, {
    skip: skip || backend.skip,
  }, () => {
    let project: Awaited<ReturnType<typeof preparedProject>>;
    let server: Server;
    const shots = backend.kind === 'pglite';

    before(async () => {
      project = await preparedProject(backend.kind);
      server = await startServer(project.dir, project.env);
    });
    after(async () => {
      await server?.stop();
      await project?.remove();
    });

    const api = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${server.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${project.tokens.analyst}` },
      });
      assert.ok(response.ok, `${path}: ${response.status}`);
      return readJson(response);
    };

    it('shows a dataset’s schema, sizes, preview, records, CSV and chart, and its quarantine with a replay', async () => {
      const browser = await openBrowser();
      const { page } = browser;
      const shoot = async (name: string, fullPage = false) => {
        if (shots) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
      };
      try {
        await signInWithToken(page, server, project.tokens.analyst ?? '');

        // The list: 4 example rows + 2 × 48 recent ones; the 999 row is quarantined, not stored.
        await page.getByRole('link', { name: 'Datasets' }).click();
        await page.getByRole('heading', { name: 'Datasets', level: 1 }).waitFor();
        const listRow = page.getByTestId('datasets').getByRole('row', { name: /readings/ });
        await listRow.getByRole('cell', { name: '100', exact: true }).waitFor();
        assert.deepEqual((await cellsOf(page.getByTestId('datasets')))[0]?.slice(0, 6), [
          'readings',
          '—',
          'station, observed_at',
          'observed_at',
          '100',
          '1',
        ]);
        await shoot('datasets');
        await assertAccessible(page, 'the datasets list');
        // uPlot comes with the chart's own chunk, fetched only when a chart shows.
        const chartChunkLoaded = () =>
          page.evaluate(() =>
            performance
              .getEntriesByType('resource')
              .some((entry) => entry.name.includes('series-chart-canvas')),
          );
        assert.equal(await chartChunkLoaded(), false, 'no chart code before a chart shows');

        // The detail: sizes all time / 7 d / 30 d from /api/stats, and the schema with its roles.
        await listRow.getByRole('link', { name: 'readings' }).click();
        await page.getByRole('heading', { name: 'Dataset readings', level: 1 }).waitFor();
        const card = (id: string) => page.getByTestId(id).locator('.stat-value');
        await card('stat-30').getByText('96', { exact: true }).waitFor();
        assert.equal(await card('stat-all').textContent(), '100');
        assert.equal(await card('stat-7').textContent(), '96');
        assert.equal(await card('stat-quarantined').textContent(), '1');
        const schema = await cellsOf(page.getByTestId('schema'));
        assert.deepEqual(
          schema.map((row) => [row[0], row[1], row[3]]),
          [
            ['station', 'text', 'key'],
            ['observed_at', 'timestamp with time zone', 'key, time'],
            ['temperature_c', 'double precision', '—'],
            ['_run_id', 'uuid', 'system'],
            ['_provider', 'text', 'system'],
            ['_first_seen_at', 'timestamp with time zone', 'system'],
            ['_last_changed_at', 'timestamp with time zone', 'system'],
          ],
        );

        // Preview: the provider's latest 5, newest first, the two stations half an hour apart.
        const preview = page.getByRole('table', { name: 'Provider files: the latest 5' });
        await preview.waitFor();
        const previewRows = await cellsOf(preview);
        assert.deepEqual(
          previewRows.map((row) => [row[0], row[2], row[3]]),
          [
            ['99999', en.format(sawtooth(1)), 'files'],
            ['99997', en.format(daily(1)), 'files'],
            ['99999', en.format(sawtooth(2)), 'files'],
            ['99997', en.format(daily(2)), 'files'],
            ['99999', en.format(sawtooth(3)), 'files'],
          ],
        );

        // The chart (loaded on demand): a canvas, one legend entry per station, and its text fallback.
        const chart = page.getByTestId('series-chart');
        await chart.locator('canvas').first().waitFor();
        assert.equal(await chartChunkLoaded(), true, 'the chart chunk, loaded on demand');
        const legend = await chart.locator('.u-legend .u-series .u-label').allTextContents();
        assert.deepEqual(legend, ['observed_at', '00052', '07015', '99997', '99999']);
        await page
          .getByText('temperature_c over time, 4 series (00052, 07015, 99997, 99999)', { exact: false })
          .waitFor();
        const summary = await cellsOf(page.getByTestId('chart-table'));
        const dailyValues = hours.map(daily);
        assert.deepEqual(
          summary.map((row) => row.slice(0, 5)),
          [
            ['00052', '1', '9.4', '9.4', '9.4'],
            ['07015', '3', '10.9', '11.2', '10.9'],
            ['99997', '48', ...[Math.min(...dailyValues), Math.max(...dailyValues), daily(1)].map(en.format)],
            ['99999', '48', '-5', '24', '-4'],
          ],
        );
        await assertAccessible(page, 'the dataset detail');

        // Keyset paging through all 100 rows, 25 at a time.
        const records = page.getByTestId('records');
        for (const shown of [25, 50, 75]) {
          await page.getByText(`${shown} records shown`).waitFor();
          await page.getByRole('button', { name: 'Show more records' }).click();
        }
        await page.getByText('100 records shown').waitFor();
        assert.equal(await page.getByRole('button', { name: 'Show more records' }).count(), 0);

        // Filter by station: exactly its three rows, newest first, in the viewer's zone (Paris, UTC+2).
        await page.getByLabel('station').fill('07015');
        await page.getByRole('button', { name: 'Apply' }).click();
        await page.getByText('3 records shown').waitFor();
        assert.match(page.url(), /station=07015/);
        assert.deepEqual(
          (await cellsOf(records)).map((row) => row.slice(0, 4)),
          [
            ['07015', 'Oct 5, 2024, 4:00:00 AM', '—', 'files'],
            ['07015', 'Oct 5, 2024, 3:00:00 AM', '10.9', 'files'],
            ['07015', 'Oct 5, 2024, 2:00:00 AM', '11.2', 'files'],
          ],
        );
        // The chart follows: one series left.
        await eventually('the chart shows station 07015 only', async () => {
          const labels = await chart.locator('.u-legend .u-series .u-label').allTextContents();
          assert.deepEqual(labels, ['observed_at', '07015']);
          return true;
        });

        // CSV export of the same filter, downloaded with the session cookie (no bearer token).
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('link', { name: 'Export these records as CSV' }).click(),
        ]);
        assert.equal(download.suggestedFilename(), 'readings.csv');
        const csv = (await readFile((await download.path()) ?? '', 'utf8')).trim().split('\r\n');
        assert.match(csv[0] ?? '', /^station,observed_at,temperature_c,_run_id,_provider,/);
        assert.deepEqual(
          csv.slice(1).map((line) => line.split(',').slice(0, 3).join(',')),
          [
            '07015,2024-10-05T02:00:00.000Z,',
            '07015,2024-10-05T01:00:00.000Z,10.9',
            '07015,2024-10-05T00:00:00.000Z,11.2',
          ],
        );

        // Live: a run started elsewhere writes one more row; the page's sizes follow through /api/events.
        // Cleared, the unfiltered list comes back with the pages already loaded.
        await page.getByRole('button', { name: 'Clear' }).click();
        await page.getByText('100 records shown').waitFor();
        await writeFile(
          join(project.dir, 'data', 'more.csv'),
          'station,observed_at,temperature_c\n11111,2024-10-06T00:00:00Z,7.5\n',
        );
        const triggered = await fetch(`${server.url}/api/pipelines/readings_csv/runs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${project.tokens.analyst}` },
        });
        assert.equal(triggered.status, 202);
        await card('stat-all').getByText('101', { exact: true }).waitFor({ timeout: 15_000 });

        // The last two days (the screenshot): the recent stations only, their lines in the chart.
        const twoDaysAgo = new Date(Date.now() - 50 * HOUR_MS).toISOString();
        await page.goto(`${server.url}/datasets/readings?${new URLSearchParams({ from: twoDaysAgo })}`);
        await page.getByText('25 records shown').waitFor();
        await eventually('the chart shows the two recent stations', async () => {
          const labels = await chart.locator('.u-legend .u-series .u-label').allTextContents();
          assert.deepEqual(labels, ['observed_at', '99997', '99999']);
          return true;
        });
        await shoot('dataset-detail', true);

        // From the first run's rejected samples to its quarantine.
        const { runs } = await api('/api/runs?pipeline=readings_csv&limit=10');
        const firstRun = runs.at(-1).id as string;
        await page.goto(`${server.url}/runs/${firstRun}`);
        await page.getByRole('link', { name: 'See this run’s records in the quarantine' }).click();
        await page.getByRole('heading', { name: 'Quarantine', level: 1 }).waitFor();
        assert.equal(new URL(page.url()).searchParams.get('run'), firstRun);
        const item = page
          .getByRole('listitem')
          .filter({ has: page.getByRole('heading', { name: /in readings/ }) });
        await item.first().waitFor();
        assert.equal(await item.count(), 1);
        await item.getByText('too_big').waitFor();
        await item.getByText('temperature_c', { exact: true }).waitFor();
        // Seen again by the live run above: two occurrences.
        assert.equal(await item.locator('dt:text-is("Occurrences") + dd').textContent(), '2');
        await item.getByText('Raw value as received').click();
        const raw = JSON.parse((await item.getByTestId('raw-value').textContent()) ?? '');
        assert.deepEqual(raw, {
          station: '99998',
          observed_at: '2024-10-05T00:00:00Z',
          temperature_c: '999',
        });
        await assertAccessible(page, 'the quarantine');

        // Replay: 999 °C still fails today's schema, so it is rejected again and nothing is written.
        await page.getByRole('button', { name: 'Replay this run’s records' }).click();
        const outcome = page.getByTestId('replay-outcome');
        await outcome
          .getByText('0 passed now, 1 rejected again; written: 0 inserted, 0 updated, 0 unchanged.')
          .waitFor();
        const replayRun = (await outcome.getByRole('link').getAttribute('href')) ?? '';
        assert.match(replayRun, /^\/runs\/[0-9a-f-]{36}$/);
        await eventually('the record counts the replay as a third occurrence', async () => {
          assert.equal(await item.locator('dt:text-is("Occurrences") + dd').textContent(), '3');
          return true;
        });
        await shoot('quarantine');

        // Filters by stage and reason.
        await page.getByLabel('Stage').selectOption('rule');
        await page.getByRole('button', { name: 'Apply' }).click();
        await page.getByText('No quarantined record matches these filters.').waitFor();
        await page.getByLabel('Stage').selectOption('validate');
        await page.getByLabel('Reason (issue code)').fill('too_big');
        await page.getByRole('button', { name: 'Apply' }).click();
        await page.getByText('1 record shown').waitFor();
        assert.equal(new URL(page.url()).searchParams.get('reason'), 'too_big');

        // French: the page's strings and the replay button.
        await page.getByLabel('Language').selectOption('fr');
        await page.getByRole('heading', { name: 'Quarantaine', level: 1 }).waitFor();
        await page.getByRole('button', { name: 'Rejouer les enregistrements de cette exécution' }).waitFor();
        await page.getByText('1 enregistrement affiché').waitFor();
        await page.getByRole('link', { name: 'Jeux de données' }).click();
        await page.getByRole('link', { name: 'readings' }).click();
        await page.getByRole('heading', { name: 'Jeu de données readings', level: 1 }).waitFor();
        await page.getByRole('table', { name: 'Fournisseur files\u00a0: les 5 derniers' }).waitFor();
        await page.getByLabel('Langue').selectOption('en');

        // A viewer: the quarantine without the replay control, and a forged replay refused with 403.
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByText('You are signed out.').waitFor();
        await signInWithToken(page, server, project.tokens.viewer ?? '');
        await page.goto(`${server.url}/quarantine?run=${firstRun}`);
        await page.getByRole('heading', { name: /in readings/ }).waitFor();
        assert.equal(await page.getByRole('button', { name: /Replay/ }).count(), 0);
        const forged = await page.evaluate(async (run) => {
          const session = (await (await fetch('/api/session')).json()) as { csrfToken: string };
          const response = await fetch(`/api/quarantine/replay?run=${run}`, {
            method: 'POST',
            headers: { 'x-csrf-token': session.csrfToken },
          });
          return { status: response.status, code: ((await response.json()) as { code: string }).code };
        }, firstRun);
        assert.deepEqual(forged, { status: 403, code: 'forbidden' });

        const unexpected = browser.problems.filter((text) => !/401|403|Unauthorized|Forbidden/.test(text));
        assert.deepEqual(unexpected, [], 'no console errors (a CSP violation would be one)');
      } finally {
        await browser.close();
      }
    });
  });
}

// The backfills pages in a real browser against a real `sluice serve` (its own backfill workers) on
// PGlite and PostgreSQL: start one from the form, watch its grid change live, pause and resume,
// retry a failed partition from its dialog, French, a 52 × 20 grid, and a viewer without controls.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase, testBackends } from '../support/databases.ts';
import { eventually } from '../support/eventually.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { type AnyJson, readJson } from '../support/http.ts';
import { withInitProject } from '../support/project.ts';
import { observations } from '../support/weekly-obs.ts';
import { assertAccessible, browserSkip, openBrowser } from './browser.ts';
import { ensureDashboardBuilt, SCREENSHOTS, type Server, signInByCode, startServer } from './serve.ts';

/** Twenty sites for the 52 × 20 grid. */
const MANY_SITES = Array.from({ length: 20 }, (_, index) => `site${String(index + 1).padStart(2, '0')}`);

/** weekly_obs (weeks × 2 sites, as in the engine's backfill tests) and weekly_many (weeks × 20 sites). */
const config = (url: string) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), temperature_c: z.coerce.number() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
});
const transform = (record, { params }) => ({ station: params.site, observed_at: record.t, temperature_c: record.v });
export default defineConfig({
  datasets: [readings],
  pipelines: [
    pipeline('weekly_obs', {
      source: http({ url: '${url}/obs/{{site}}?from={{start_date}}&to={{end_date}}', name: 'obs' }),
      into: readings,
      partitions: {
        time: { every: 'weekly', start: '2025-01-06' },
        keys: { name: 'site', values: ['annecy', 'chambery'] },
      },
      transform,
    }),
    pipeline('weekly_many', {
      source: http({ url: '${url}/obs/{{site}}?from={{start_date}}&to={{end_date}}', name: 'many' }),
      into: readings,
      partitions: {
        time: { every: 'weekly', start: '2024-12-30' },
        keys: { name: 'site', values: ${JSON.stringify(MANY_SITES)} },
      },
      transform,
    }),
  ],
});
`;

/** The upstream: `failing` weeks answer 404; while `held`, weeks from 2025-02-03 wait for release(). */
function upstream() {
  const failing = new Set<string>(['annecy|2025-01-13']);
  const answer = observations(failing, { now: 0, max: 0 });
  let held = true;
  const waiting: Array<() => void> = [];
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    const from = new URL(request.url ?? '/', 'http://upstream').searchParams.get('from') ?? '';
    if (held && from >= '2025-02-03') waiting.push(() => answer(request, response));
    else answer(request, response);
  };
  return {
    failing,
    routes: Object.fromEntries(
      ['annecy', 'chambery', ...MANY_SITES].map((site) => [`/obs/${site}`, handler]),
    ),
    release() {
      held = false;
      for (const resume of waiting.splice(0)) resume();
    },
  };
}

async function preparedProject(kind: 'pglite' | 'postgres', upstreamUrl: string) {
  const project = await withInitProject({ pglite: kind === 'pglite' });
  const database = kind === 'postgres' ? await createPostgresDatabase({ migrated: true }) : undefined;
  const env: Record<string, string> = database ? { DATABASE_URL: database.url } : { DATABASE_URL: '' };
  await writeFile(join(project.dir, 'sluice.config.ts'), config(upstreamUrl));
  // Tokens before the server starts: the embedded database admits one process at a time.
  const token = async (name: string, role: string) => {
    const created = await runCli(['tokens', 'create', '--name', name, '--role', role, '--json'], {
      cwd: project.dir,
      env,
    });
    assert.equal(created.code, 0, created.stderr);
    return JSON.parse(created.stdout).token as string;
  };
  return {
    dir: project.dir,
    env,
    admin: await token('api-admin', 'admin'),
    viewer: await token('v', 'viewer'),
    async remove() {
      await project.remove();
      await database?.drop();
    },
  };
}

type Counts = Record<string, number>;

/** Cells per state on the page's grid (page code as text: this suite is typed without the DOM). */
function gridCounts(page: Page): Promise<Counts> {
  return page.evaluate(`(() => {
    const counts = {};
    for (const cell of document.querySelectorAll('[data-testid="partition-grid"] td[data-state]')) {
      counts[cell.dataset.state] = (counts[cell.dataset.state] ?? 0) + 1;
    }
    return counts;
  })()`);
}

const skip = browserSkip();
const backends = await testBackends();

before(async () => {
  if (!skip) await ensureDashboardBuilt();
});

for (const backend of backends) {
  describe(`backfills pages in chromium (${backend.kind})`, { skip: skip || backend.skip }, () => {
    let fixtures: ReturnType<typeof upstream>;
    let fixtureServer: FixtureServer;
    let project: Awaited<ReturnType<typeof preparedProject>>;
    let server: Server;
    const shots = backend.kind === 'pglite';

    before(async () => {
      fixtures = upstream();
      fixtureServer = await startFixtureServer(fixtures.routes);
      project = await preparedProject(backend.kind, fixtureServer.url);
      server = await startServer(project.dir, project.env);
    });
    after(async () => {
      fixtures?.release();
      await server?.stop();
      await fixtureServer?.close();
      await project?.remove();
    });

    const api = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<AnyJson> => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${project.admin}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
      return readJson(response);
    };
    /** The API's partition counts of a backfill, without the zeros and the total. */
    const apiCounts = async (id: string): Promise<Counts> => {
      const { backfill } = await api('GET', `/api/backfills/${id}`);
      return Object.fromEntries(
        Object.entries(backfill.counts as Counts).filter(([state, count]) => state !== 'total' && count > 0),
      );
    };
    /** The grid shows `expected`, and so does the API. */
    const gridShows = async (page: Page, id: string, expected: Counts) => {
      await eventually(
        `the grid to show ${JSON.stringify(expected)}`,
        async () => {
          assert.deepEqual(await gridCounts(page), expected);
          return true;
        },
        { timeoutMs: 20_000 },
      );
      assert.deepEqual(await apiCounts(id), expected);
    };

    it('starts a backfill from the form, follows it live, pauses, resumes, retries a partition and cancels another', async (t) => {
      const browser = await openBrowser();
      const { page } = browser;
      const shoot = async (name: string) => {
        if (shots) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
      };
      try {
        await signInByCode(page, server);
        await page.getByRole('link', { name: 'Backfills' }).click();
        await page.getByRole('heading', { name: 'Backfills', level: 1 }).waitFor();
        await page.getByText('No backfill yet.').waitFor();

        // The API's refusal shows on the form: a reversed range.
        const form = page.getByRole('region', { name: 'New backfill' });
        // The form fills in once the pipelines are loaded.
        await form.getByLabel('Pipeline').locator('option').nth(1).waitFor({ state: 'attached' });
        assert.deepEqual(await form.getByLabel('Pipeline').locator('option').allTextContents(), [
          'weekly_obs',
          'weekly_many',
        ]);
        await form.getByLabel('Pipeline').selectOption('weekly_obs');
        await form.getByLabel('From').fill('2025-03-30');
        await form.getByLabel('To (inclusive)').fill('2025-01-06');
        await form.getByLabel('Concurrency').fill('1');
        await form.getByRole('button', { name: 'Start backfill' }).click();
        await form
          .getByRole('alert')
          .getByText(/refused: --to 2025-01-06 is before --from 2025-03-30/)
          .waitFor();
        await assertAccessible(page, 'the backfills page with its form');

        // Twelve weeks × two sites; weeks from 2025-02-03 wait upstream, so the run of W06 hangs.
        await form.getByLabel('From').fill('2025-01-06');
        await form.getByLabel('To (inclusive)').fill('2025-03-30');
        await form.getByRole('button', { name: 'Start backfill' }).click();
        await page.getByRole('heading', { name: /^Backfill [0-9a-f]{8}/, level: 1 }).waitFor();
        const id = new URL(page.url()).pathname.split('/').at(-1) ?? '';
        assert.match(id, /^[0-9a-f-]{36}$/);
        await page.evaluate('window.notReloaded = true');
        const notReloaded = () => page.evaluate<boolean>('window.notReloaded === true');

        // Live: the grid fills in through backfill events until the held week runs.
        await gridShows(page, id, { succeeded: 7, failed: 1, running: 1, pending: 15 });
        const failedCell = page.getByRole('gridcell', { name: '2025-W03|site=annecy: failed, 1 attempt' });
        await failedCell.hover();
        const tooltip = page.getByRole('tooltip');
        await tooltip.getByText('Attempts: 1').waitFor();
        await tooltip.getByText(/Last error: .*HTTP 404/).waitFor();
        await page.getByTestId('grid-legend').getByText('failed 1').waitFor();
        await page.getByTestId('progress-text').getByText('8 of 24 partitions done (33.3%)').waitFor();
        await shoot('backfill-grid');
        await assertAccessible(page, 'the backfill detail');

        // Pause: the running partition finishes, nothing new starts.
        await page.getByRole('button', { name: 'Pause' }).click();
        await page.getByTestId('backfill-status').getByText('paused').waitFor();
        fixtures.release();
        await gridShows(page, id, { succeeded: 8, failed: 1, pending: 15 });
        assert.equal((await api('GET', `/api/backfills/${id}`)).backfill.status, 'paused');

        // Resume: it runs to the end, one partition failed.
        await page.getByRole('button', { name: 'Resume' }).click();
        await page.getByTestId('backfill-status').getByText('failed').waitFor({ timeout: 30_000 });
        await gridShows(page, id, { succeeded: 23, failed: 1 });
        await page.getByRole('button', { name: 'Retry failed' }).waitFor();
        assert.ok(await notReloaded(), 'the grid changed without a reload');

        // The failed partition's dialog: its run, its error; Esc closes it, Tab stays inside.
        const detail = await api('GET', `/api/backfills/${id}`);
        const failed = detail.partitions.find(
          (partition: { partition: string }) => partition.partition === '2025-W03|site=annecy',
        );
        await page.getByRole('gridcell', { name: /^2025-W03\|site=annecy: failed/ }).click();
        const dialog = page.getByRole('dialog', { name: /Partition 2025-W03\|site=annecy/ });
        await dialog.waitFor();
        assert.equal(
          await dialog.getByRole('link', { name: /^Open run / }).getAttribute('href'),
          `/runs/${failed.runId}`,
        );
        await dialog.getByText(/answered HTTP 404/).waitFor();
        await assertAccessible(page, 'the partition dialog');
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'hidden' });
        // The closing dialog hands focus back on its own schedule (a CI run pressed Enter while focus
        // was still moving, and no dialog opened): focus the cell until it holds the focus, then Enter.
        await page.waitForFunction(`(() => {
          const cell = [...document.querySelectorAll('.bf-cell')].find((element) =>
            (element.getAttribute('aria-label') ?? '').startsWith('2025-W03|site=annecy: failed'));
          cell?.focus();
          return cell !== undefined && document.activeElement === cell;
        })()`);
        await page.keyboard.press('Enter');
        await dialog.waitFor();
        for (let press = 0; press < 5; press++) {
          await page.keyboard.press('Tab');
          assert.ok(
            await page.evaluate<boolean>("document.activeElement?.closest('dialog') != null"),
            `focus stays in the dialog after ${press + 1} Tab`,
          );
        }

        // Retry it from the dialog: the upstream answers now; the dialog and the grid follow live.
        fixtures.failing.clear();
        await dialog.getByRole('button', { name: 'Retry this partition' }).click();
        await dialog.getByText('succeeded').waitFor({ timeout: 20_000 });
        assert.equal(await dialog.getByTestId('partition-attempts').textContent(), '2');
        await dialog.getByRole('button', { name: 'Close' }).click();
        await page.getByTestId('backfill-status').getByText('completed').waitFor();
        await gridShows(page, id, { succeeded: 24 });
        const retried = (await api('GET', `/api/backfills/${id}`)).partitions.find(
          (partition: { partition: string }) => partition.partition === '2025-W03|site=annecy',
        );
        assert.equal(retried.attempts, 2);
        assert.ok(await notReloaded(), 'still the same page');

        // A 52 × 20 grid: 1,040 cells, paused at once so it stays still.
        const big = await api('POST', '/api/backfills', {
          pipeline: 'weekly_many',
          from: '2024-12-30',
          to: '2025-12-28',
          concurrency: 1,
        });
        await api('POST', `/api/backfills/${big.backfill.id}/pause`);
        // Navigated in the page (no reload), timed from the navigation to 1,040 cells in the
        // document, with the longest gap between animation frames meanwhile (60 fps is 17 ms).
        await page.evaluate(`(() => {
          window.longestFrame = 0;
          let last = performance.now();
          const tick = (time) => {
            window.longestFrame = Math.max(window.longestFrame, time - last);
            last = time;
            requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        })()`);
        // Whether the probe works here: a 120 ms busy task must show as a long frame. Headless
        // Chromium may skip frames while nothing changes, so a blind probe is reported, not failed.
        await page.evaluate(`(() => {
          const until = performance.now() + 120;
          while (performance.now() < until);
        })()`);
        await page.evaluate(
          'Promise.race([new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))), new Promise((done) => setTimeout(done, 1000))])',
        );
        const probe = (await page.evaluate<number>('window.longestFrame')) >= 100 ? 'works' : 'saw nothing';
        await page.evaluate('window.longestFrame = 0');
        const frames = async () => {
          const longest = await page.evaluate<number>('Math.round(window.longestFrame)');
          await page.evaluate('window.longestFrame = 0');
          return longest;
        };
        const started = await page.evaluate<number>('performance.now()');
        await page.evaluate(`history.pushState(null, '', '/backfills/${big.backfill.id}');
          dispatchEvent(new PopStateEvent('popstate'))`);
        await page.locator('[data-testid="partition-grid"] td[data-state]').nth(1039).waitFor();
        const rendered = (await page.evaluate<number>('performance.now()')) - started;
        // The partition dispatched before the pause may finish meanwhile: the grid follows the API.
        await eventually('the 52 × 20 grid to match the API', async () => {
          assert.deepEqual(await gridCounts(page), await apiCounts(big.backfill.id));
          return true;
        });
        const fetched = await page.evaluate<number>(
          `Math.round(performance.getEntriesByType('resource').filter((entry) => entry.name.endsWith('/api/backfills/${big.backfill.id}')).at(-1)?.duration ?? -1)`,
        );
        const firstFrame = await frames();
        // Re-rendering every cell's label (the language switch) is the heaviest update the grid gets.
        await page.getByLabel('Language').selectOption('fr');
        await page.getByRole('heading', { name: /^Rattrapage [0-9a-f]{8}/, level: 1 }).waitFor();
        await page.getByLabel('Langue').selectOption('en');
        await page.getByRole('heading', { name: /^Backfill [0-9a-f]{8}/, level: 1 }).waitFor();
        const relabelFrame = await frames();
        t.diagnostic(
          `52 × 20 grid (not asserted): on screen ${Math.round(rendered)} ms after navigating (the API answered in ${fetched} ms), longest frame ${firstFrame} ms; relabelling every cell twice, longest frame ${relabelFrame} ms (frame probe ${probe})`,
        );
        await assertAccessible(page, 'the 52 × 20 grid');

        // The list: both backfills with progress; then in French.
        await page.getByRole('link', { name: 'All backfills' }).click();
        const list = page.getByTestId('backfill-list');
        const done = list.getByRole('row', { name: /weekly_obs/ });
        await done.getByText('completed').waitFor();
        await done.getByText('100% · 24 of 24').waitFor();
        await list
          .getByRole('row', { name: /weekly_many/ })
          .getByText('paused')
          .waitFor();
        await shoot('backfills');
        await assertAccessible(page, 'the backfills list');
        await page.getByLabel('Language').selectOption('fr');
        await page.getByRole('heading', { name: 'Rattrapages', level: 1 }).waitFor();
        await done.getByText('terminé').waitFor();
        // Intl's French percent has a no-break space before the sign (U+00A0 or U+202F by ICU version).
        await done.getByText(/^100[\u00a0\u202f]% · 24 sur 24$/).waitFor();
        await page.getByRole('region', { name: 'Nouveau rattrapage' }).getByLabel('Parallélisme').waitFor();
        await page.getByLabel('Langue').selectOption('en');

        // Cancel the 52 × 20 one: its pending partitions become cancelled, and Retry failed is offered.
        await page.getByRole('link', { name: big.backfill.id.slice(0, 8) }).click();
        await page.getByRole('button', { name: 'Cancel backfill' }).click();
        await page.getByTestId('backfill-status').getByText('cancelled').waitFor();
        await page.getByRole('button', { name: 'Retry failed' }).waitFor();
        assert.equal(await page.getByRole('button', { name: /^(Pause|Resume|Cancel backfill)$/ }).count(), 0);
        await eventually('the cancelled grid to match the API', async () => {
          assert.deepEqual(await gridCounts(page), await apiCounts(big.backfill.id));
          return true;
        });
        assert.ok(((await apiCounts(big.backfill.id)).cancelled ?? 0) >= 1038);

        // The one 400 is the refused reversed range, on purpose.
        assert.deepEqual(
          browser.problems,
          ['Failed to load resource: the server responded with a status of 400 (Bad Request)'],
          'no console error but the refused form',
        );
      } finally {
        await browser.close();
      }
    });

    it('shows a viewer no controls, and the API refuses a forged request', async () => {
      const { backfills } = await api('GET', '/api/backfills?pipeline=weekly_many');
      const cancelled = backfills[0];
      assert.equal(cancelled?.status, 'cancelled', 'the first test cancelled the 52 × 20 backfill');
      const browser = await openBrowser();
      const { page } = browser;
      try {
        await page.goto(server.url);
        await page.getByLabel('API token').fill(project.viewer);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByTestId('principal').getByText('v').waitFor();
        await page.getByRole('link', { name: 'Backfills' }).click();
        await page
          .getByTestId('backfill-list')
          .getByRole('row', { name: /weekly_many/ })
          .waitFor();
        assert.equal(await page.getByRole('region', { name: 'New backfill' }).count(), 0);
        await page.getByRole('link', { name: cancelled.id.slice(0, 8) }).click();
        await page.getByTestId('backfill-status').getByText('cancelled').waitFor();
        await page.getByTestId('partition-grid').waitFor();
        assert.equal(
          await page.getByRole('button', { name: /Resume|Cancel|Pause|Retry/ }).count(),
          0,
          'no action',
        );
        await page.getByRole('gridcell').first().click();
        const dialog = page.getByRole('dialog');
        await dialog.getByRole('button', { name: 'Close' }).waitFor();
        assert.deepEqual(
          await dialog.getByRole('button').allTextContents(),
          ['Close'],
          'no Retry for a viewer',
        );
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'hidden' });

        // The viewer's own session and CSRF token, forging what the page does not offer.
        const statuses = await page.evaluate(async (id) => {
          const session = (await (await fetch('/api/session')).json()) as { csrfToken: string };
          const post = (path: string, body?: unknown) =>
            fetch(path, {
              method: 'POST',
              headers: {
                'x-csrf-token': session.csrfToken,
                ...(body === undefined ? {} : { 'content-type': 'application/json' }),
              },
              body: body === undefined ? null : JSON.stringify(body),
            }).then((response) => response.status);
          return [
            await post(`/api/backfills/${id}/retry-failed`),
            await post('/api/backfills', { pipeline: 'weekly_obs', from: '2025-01-06', to: '2025-01-12' }),
          ];
        }, cancelled.id);
        assert.deepEqual(statuses, [403, 403]);
        assert.equal((await api('GET', `/api/backfills/${cancelled.id}`)).backfill.status, 'cancelled');
      } finally {
        await browser.close();
      }
    });
  });
}

// The pipelines and freshness pages in a real browser against a real `sluice serve`, on PGlite and
// PostgreSQL: schedule in words with its next runs and skipped tick, a run triggered from the page
// and followed live to the database's counts, a partition run by date and key, the freshness table
// with a stale-only filter and "Refresh stale", French, and a viewer who sees no action and is refused.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { openSluice } from '../../src/main.ts';
import { runCliInProcess } from '../support/cli.ts';
import { createPostgresDatabase, testBackends } from '../support/databases.ts';
import { CONFIG, READINGS, READINGS_LATER, SITES } from '../support/pipelines-project.ts';
import { withInitProject } from '../support/project.ts';
import { assertAccessible, browserSkip, openBrowser } from './browser.ts';
import { ensureDashboardBuilt, SCREENSHOTS, type Server, signInByCode, startServer } from './serve.ts';

const SKIPPED_REASON = 'pipeline "readings_csv" has an active run';

/** The project collected once (4 rows), a skipped tick recorded and a viewer token, before serve starts. */
async function preparedProject(kind: 'pglite' | 'postgres') {
  const project = await withInitProject({ pglite: kind === 'pglite' });
  const database = kind === 'postgres' ? await createPostgresDatabase({ migrated: true }) : undefined;
  // The scheduler stays off: a weekday 06:30 in Paris falling inside the suite would add a run.
  const env: Record<string, string> = {
    DATABASE_URL: database?.url ?? '',
    SLUICE_SCHEDULER_ENABLED: 'false',
  };
  await writeFile(join(project.dir, 'sluice.config.ts'), CONFIG);
  await writeFile(join(project.dir, 'data', 'readings.csv'), READINGS);
  await mkdir(join(project.dir, 'sites'));
  await writeFile(join(project.dir, 'sites', 'week.csv'), SITES);
  const sluice = await openSluice({
    cwd: project.dir,
    databaseUrl: database?.url,
    dataDir: join(project.dir, '.sluice'),
    logger: createLogger({ level: 'silent' }),
  });
  try {
    assert.equal((await sluice.run('readings_csv')).status, 'succeeded');
    await sluice.db.query(
      `INSERT INTO sluice.ticks (pipeline, scheduled_at, evaluated_at, outcome, reason, run_id)
       VALUES ('readings_csv', '2026-03-02T05:30:00Z', '2026-03-02T05:30:01Z', 'skipped', $1, NULL)`,
      [SKIPPED_REASON],
    );
  } finally {
    await sluice.close();
  }
  const viewer = await runCliInProcess(['tokens', 'create', '--name', 'v', '--role', 'viewer', '--json'], {
    cwd: project.dir,
    env,
  });
  assert.equal(viewer.code, 0, viewer.stderr);
  return {
    dir: project.dir,
    env,
    viewerToken: JSON.parse(viewer.stdout).token as string,
    async remove() {
      await project.remove();
      await database?.drop();
    },
  };
}

/** The definition list's value for a term inside `scope`. */
async function fact(page: Page, scope: string, term: string): Promise<string | null> {
  return page.locator(`${scope} dt:text-is("${term}") + dd`).textContent();
}

const skip = browserSkip();
const backends = await testBackends();

before(async () => {
  if (!skip) await ensureDashboardBuilt();
});

for (const backend of backends) {
  describe(`pipelines and freshness pages in chromium (${backend.kind})`, {
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

    it('shows schedules in words, triggers runs followed live to their counts, refreshes stale series', async () => {
      const browser = await openBrowser();
      const { page } = browser;
      try {
        await signInByCode(page, server);
        await page.getByRole('link', { name: 'Pipelines' }).click();
        await page.getByRole('heading', { name: 'Pipelines', level: 1 }).waitFor();
        const scheduled = page.getByRole('region', { name: 'readings_csv' });
        await scheduled.getByText('At 06:30, Monday through Friday').waitFor();
        await scheduled.getByText('Read in the Europe/Paris time zone').waitFor();
        await scheduled.getByRole('heading', { name: 'Next runs (Europe/Paris time)' }).waitFor();
        // The next three runs, in the schedule's zone (with its offset), not the viewer's.
        const next = await scheduled.locator('.next-runs li').allTextContents();
        assert.equal(next.length, 3, next.join(' / '));
        for (const text of next) assert.match(text, /^(Mon|Tue|Wed|Thu|Fri), .* 06:30 GMT\+[12]$/);
        const tick = scheduled.getByTestId('last-tick');
        await tick.getByText('skipped').waitFor();
        await tick.getByText(`why: ${SKIPPED_REASON}`).waitFor();
        // The run collected before serve started: 4 rows inserted, one run of one succeeded.
        await scheduled.getByText('4 inserted, 0 updated, 0 unchanged, 0 rejected').waitFor();
        await scheduled.getByText('1 of 1 recent run succeeded (0 partial, 0 failed)').waitFor();
        const partitioned = page.getByRole('region', { name: 'site_weeks' });
        await partitioned.getByText('No schedule: runs only when triggered.').waitFor();
        await partitioned.getByText('Never run.').waitFor();

        // Trigger: the file changed (one value corrected, three rows more); the run is followed
        // live until it ends with what the merge did in the database.
        await writeFile(join(project.dir, 'data', 'readings.csv'), READINGS_LATER);
        await scheduled.getByRole('button', { name: 'Run now' }).click();
        const live = scheduled.getByTestId('live-run');
        await live.getByText('succeeded').waitFor({ timeout: 20_000 });
        const liveScope = `section[aria-labelledby="pipeline-readings_csv"] [data-testid="live-run"]`;
        assert.deepEqual(
          await Promise.all(
            ['Inserted', 'Updated', 'Unchanged', 'Rejected'].map((term) => fact(page, liveScope, term)),
          ),
          ['3', '1', '3', '0'],
        );
        // The same numbers are the run's as stored, and the card's last run and rate follow by SSE.
        const runHref = (await live.getByRole('link').getAttribute('href')) ?? '';
        const stored = await (await page.request.get(`${server.url}/api${runHref}`)).json();
        assert.deepEqual(
          [stored.run.inserted, stored.run.updated, stored.run.unchanged, stored.run.trigger],
          [3, 1, 3, 'api:dashboard-admin'],
        );
        await scheduled.getByText('3 inserted, 1 updated, 3 unchanged, 0 rejected').waitFor();
        await scheduled.getByText('2 of 2 recent runs succeeded (0 partial, 0 failed)').waitFor();

        // A partitioned pipeline: a date picks the week, the key comes from the declared values.
        await partitioned.getByText('The partition key looks like weekly|site=<key>.').waitFor();
        await partitioned.getByLabel('Date in the weekly partition').fill('2025-01-15');
        await partitioned.getByLabel('Key: site').selectOption('annecy');
        await partitioned.getByRole('button', { name: 'Run now' }).click();
        await partitioned.getByTestId('live-run').getByText('succeeded').waitFor({ timeout: 20_000 });
        const partitionScope = `section[aria-labelledby="pipeline-site_weeks"] [data-testid="live-run"]`;
        assert.equal(await fact(page, partitionScope, 'Inserted'), '2');
        const partitionRun = await (
          await page.request.get(
            `${server.url}/api${await partitioned.getByTestId('live-run').getByRole('link').getAttribute('href')}`,
          )
        ).json();
        assert.equal(partitionRun.run.partitionKey, '2025-W03|site=annecy');
        await assertAccessible(page, 'the pipelines page');
        await page.getByRole('heading', { name: 'Pipelines', level: 1 }).scrollIntoViewIfNeeded();
        if (shots) await page.screenshot({ path: join(SCREENSHOTS, 'pipelines.png') });

        // Freshness: every series, the example's two stations stale, the partition dataset unmonitored.
        await page.getByRole('link', { name: 'Freshness' }).click();
        await page.getByRole('heading', { name: 'Freshness', level: 1 }).waitFor();
        const readings = page.getByRole('region', { name: /^readings/ });
        const stale = readings.getByRole('row', { name: /station=07015/ });
        await stale.getByText('stale').waitFor();
        // 02:00 UTC is 04:00 in the browser's zone (Europe/Paris, summer time).
        assert.match((await stale.textContent()) ?? '', /Oct 5, 2024, 4:00:00 AM.*2h/);
        await readings.getByText('Max age 2h: 2 series, 0 fresh, 2 stale, 0 without data').waitFor();
        await page
          .getByRole('region', { name: /^site_readings/ })
          .getByText('No freshness limit')
          .waitFor();

        // Refresh stale: a fresh reading arrives with the run it triggers, and the table shows the
        // new series without a reload (the run's events invalidate the page's data).
        const recent = new Date(Date.now() - 10 * 60_000).toISOString();
        await writeFile(
          join(project.dir, 'data', 'recent.csv'),
          `station,observed_at,temperature_c\nlive1,${recent},7\n`,
        );
        await page.getByRole('button', { name: 'Refresh stale' }).click();
        const outcome = page.getByTestId('refresh-outcome');
        await outcome.getByText('2 stale series considered.').waitFor();
        await outcome.getByText('readings_csv triggered for readings:').waitFor();
        const fresh = readings.getByRole('row', { name: /station=live1/ });
        await fresh.getByText('fresh').waitFor({ timeout: 20_000 });
        await readings.getByText('Max age 2h: 3 series, 1 fresh, 2 stale, 0 without data').waitFor();
        await page.getByLabel('Stale only').check();
        await fresh.waitFor({ state: 'detached' });
        assert.equal(await readings.getByRole('row', { name: /station=/ }).count(), 2);
        await page.getByLabel('Stale only').uncheck();
        await fresh.waitFor();
        await assertAccessible(page, 'the freshness page');
        if (shots) await page.screenshot({ path: join(SCREENSHOTS, 'freshness.png') });

        // French: the page's strings, and the cron in French words.
        await page.getByLabel('Language').selectOption('fr');
        await page.getByRole('heading', { name: 'Fraîcheur', level: 1 }).waitFor();
        await page.getByRole('button', { name: 'Rafraîchir les périmées' }).waitFor();
        await page.getByLabel('Périmées seulement').waitFor();
        await page.getByRole('link', { name: 'Pipelines' }).click();
        const planifie = page.getByRole('region', { name: 'readings_csv' });
        await planifie.getByText('À 06:30, de lundi à vendredi').waitFor();
        await planifie
          .getByRole('heading', { name: 'Prochaines exécutions (fuseau Europe/Paris)' })
          .waitFor();
        await planifie
          .getByText('réussies\u202f: 3 sur 3 exécutions récentes (partielles\u202f: 0, échouées\u202f: 0)')
          .waitFor();
        await planifie
          .getByText('insérés\u202f: 1, mis à jour\u202f: 0, inchangés\u202f: 7, rejetés\u202f: 0')
          .waitFor();
        await page.evaluate(() => localStorage.setItem('sluice.locale', 'en'));

        assert.deepEqual(browser.problems, [], 'no console errors');
      } finally {
        await browser.close();
      }
    });

    it('shows a viewer no trigger or refresh control, and refuses a forged viewer POST with 403', async () => {
      const browser = await openBrowser();
      const { page } = browser;
      try {
        await page.goto(server.url);
        await page.getByLabel('API token').fill(project.viewerToken);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page
          .getByTestId('principal')
          .filter({ hasText: /v viewer$/ })
          .waitFor();
        await page.getByRole('link', { name: 'Pipelines' }).click();
        await page
          .getByRole('region', { name: 'readings_csv' })
          .getByText('At 06:30, Monday through Friday')
          .waitFor();
        assert.equal(await page.getByRole('button', { name: 'Run now' }).count(), 0);
        assert.equal(await page.getByRole('form').count(), 0);
        await page.getByRole('link', { name: 'Freshness' }).click();
        await page.getByRole('heading', { name: 'Freshness', level: 1 }).waitFor();
        await page
          .getByRole('region', { name: /^readings/ })
          .getByRole('row', { name: /station=07015/ })
          .waitFor();
        assert.equal(await page.getByRole('button', { name: 'Refresh stale' }).count(), 0);

        // What the hidden buttons would send, forged with the viewer's own cookie and CSRF token.
        const statuses = await page.evaluate(async () => {
          const session = (await (await fetch('/api/session')).json()) as { csrfToken: string };
          const post = (path: string, body?: string) =>
            fetch(path, {
              method: 'POST',
              headers: {
                'x-csrf-token': session.csrfToken,
                ...(body ? { 'content-type': 'application/json' } : {}),
              },
              body,
            }).then((response) => response.status);
          return [await post('/api/pipelines/readings_csv/runs'), await post('/api/freshness/refresh', '{}')];
        });
        assert.deepEqual(statuses, [403, 403]);
        const bearer = await fetch(`${server.url}/api/pipelines/readings_csv/runs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${project.viewerToken}` },
        });
        assert.equal(bearer.status, 403);
      } finally {
        await browser.close();
      }
    });
  });
}

// The dashboard in a real browser against a real `sluice serve` on PGlite and PostgreSQL: sign-in, overview, runs, French, sign-out.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../support/cli.ts';
import { createPostgresDatabase, testBackends } from '../support/databases.ts';
import { withInitProject } from '../support/project.ts';
import { assertAccessible, browserSkip, openBrowser } from './browser.ts';
import { ensureDashboardBuilt, SCREENSHOTS, type Server, startServer } from './serve.ts';

/** Rows the extra CSV adds to the example's 4: enough for a thousands separator (1,204 / 1 204). */
const EXTRA_ROWS = 1200;

/** The example project with more rows, collected once before the server starts. */
async function preparedProject(kind: 'pglite' | 'postgres') {
  const project = await withInitProject({ pglite: kind === 'pglite' });
  const database = kind === 'postgres' ? await createPostgresDatabase({ migrated: true }) : undefined;
  const env: Record<string, string> = database ? { DATABASE_URL: database.url } : { DATABASE_URL: '' };
  // Hourly rows up to an hour ago (so the 7 and 30 day totals count some), one row the schema
  // rejects (a partial run with a quality report), and freshness per station: the example's
  // stations are from 2024, so they are stale.
  const lines = ['station,observed_at,temperature_c'];
  const now = Date.now() - 3_600_000;
  for (let hour = EXTRA_ROWS - 1; hour >= 0; hour--) {
    lines.push(`99999,${new Date(now - hour * 3_600_000).toISOString()},${(hour % 30) - 5}`);
  }
  lines.push('99998,2024-10-05T00:00:00Z,999');
  await writeFile(join(project.dir, 'data', 'extra.csv'), `${lines.join('\n')}\n`);
  const configPath = join(project.dir, 'sluice.config.ts');
  const config = await readFile(configPath, 'utf8');
  await writeFile(
    configPath,
    config.replace("write: 'merge',", "write: 'merge',\n  freshness: { maxAge: '2h', series: ['station'] },"),
  );
  const run = await runCli(['run', 'readings_csv'], { cwd: project.dir, env });
  assert.equal(run.code, 3, `a partial run (one row rejected): ${run.stderr}`);
  const token = await runCli(['tokens', 'create', '--name', 'browser', '--role', 'analyst', '--json'], {
    cwd: project.dir,
    env,
  });
  assert.equal(token.code, 0, token.stderr);
  return {
    dir: project.dir,
    env,
    token: JSON.parse(token.stdout).token as string,
    async remove() {
      await project.remove();
      await database?.drop();
    },
  };
}

const skip = browserSkip();
const backends = await testBackends();

before(async () => {
  if (!skip) await ensureDashboardBuilt();
});

for (const backend of backends) {
  describe(`dashboard in chromium (${backend.kind})`, { skip: skip || backend.skip }, () => {
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

    it('signs in by code, shows the real counts and runs, speaks French and signs out', async () => {
      const browser = await openBrowser();
      const { page } = browser;
      const shoot = async (name: string) => {
        if (shots) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
      };
      try {
        // The one-time link: signed in, and the code gone from the address bar.
        await page.goto(`${server.url}/?code=${server.code}`);
        await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
        assert.equal(new URL(page.url()).search, '');
        await page.getByTestId('principal').getByText('dashboard-admin').waitFor();
        await page.getByTestId('live-state').getByText('Live').waitFor();

        // Real counts: 4 rows of the example plus the extra file, from /api/stats.
        const totals = page.getByTestId('dataset-totals').getByRole('row', { name: /readings/ });
        await totals.getByRole('cell', { name: '1,204', exact: true }).waitFor();
        await page
          .getByText('No series is stale.')
          .waitFor({ state: 'detached', timeout: 1 })
          .catch(() => {});
        // Health and why, the example's two stations stale first, and the partial run of the last 24 h.
        await page.getByRole('region', { name: 'Project health' }).getByText('degraded').waitFor();
        await page
          .getByRole('region', { name: 'Stale series' })
          .getByRole('row', { name: /station=07015/ })
          .waitFor();
        await page
          .getByRole('region', { name: 'Failed or partial runs, last 24 h' })
          .getByRole('row', { name: /readings_csv/ })
          .getByText('partial')
          .waitFor();
        await shoot('overview');
        await assertAccessible(page, 'the overview');

        // Runs list and the run's detail.
        await page.getByRole('link', { name: 'Runs' }).click();
        await page.getByRole('heading', { name: 'Runs', level: 1 }).waitFor();
        const row = page.getByRole('row', { name: /readings_csv/ });
        await row.getByText('partial').waitFor();
        await shoot('runs');
        await assertAccessible(page, 'the runs list');
        // Live: a run triggered elsewhere appears through /api/events (cookie), without a reload.
        const firstRun = (await row.getByRole('link').getAttribute('href')) ?? '';
        const triggered = await fetch(`${server.url}/api/pipelines/readings_csv/runs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${project.token}` },
        });
        assert.equal(triggered.status, 202);
        await page.getByText('2 runs shown').waitFor();
        await page.locator(`a[href="${firstRun}"]`).click();
        await page.getByRole('heading', { name: /^Run [0-9a-f]{8}/, level: 1 }).waitFor();
        const counts = page.getByRole('region', { name: 'Counts' });
        assert.equal(await counts.locator('dt:text-is("Inserted") + dd').textContent(), '1,204');
        await page
          .getByRole('table', { name: 'Rejections per rule' })
          .getByRole('row', { name: /temperature_c/ })
          .waitFor();
        await page.getByRole('region', { name: 'Rejected samples' }).getByText('999').waitFor();
        await shoot('run-detail');
        await assertAccessible(page, 'the run detail');

        // French, kept across a reload: translated text and French number format (narrow no-break space).
        await page.getByLabel('Language').selectOption('fr');
        await page.getByRole('heading', { name: /^Exécution [0-9a-f]{8}/, level: 1 }).waitFor();
        const comptes = page.getByRole('region', { name: 'Comptes' });
        assert.equal(await comptes.locator('dt:text-is("Insérés") + dd').textContent(), '1\u202f204');
        await page.getByRole('link', { name: 'Vue d’ensemble' }).click();
        await page.reload();
        await page.getByRole('heading', { name: 'Vue d’ensemble', level: 1 }).waitFor();
        await page
          .getByTestId('dataset-totals')
          .getByRole('cell', { name: '1\u202f204', exact: true })
          .waitFor();
        assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
        await page.getByRole('region', { name: 'État du projet' }).getByText('dégradée').waitFor();
        await shoot('overview-fr');

        // Sign-out ends the session on the server: the next page load is the sign-in page again.
        await page.getByRole('button', { name: 'Se déconnecter' }).click();
        await page.getByText('Vous êtes déconnecté.').waitFor();
        await page.reload();
        await page.getByRole('heading', { name: 'Se connecter à Sluice' }).waitFor();
        assert.equal((await page.request.get(`${server.url}/api/session`)).status(), 401);

        // A pasted token signs in too; a wrong one says why.
        await page.getByLabel('Jeton d’API').fill('sluice_wrong');
        await page.getByRole('button', { name: 'Se connecter' }).click();
        await page.getByRole('alert').waitFor();
        await assertAccessible(page, 'the sign-in page');
        await page.evaluate(() => localStorage.setItem('sluice.locale', 'en'));
        await page.reload();
        await shoot('sign-in');
        await page.getByLabel('API token').fill(project.token);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByTestId('principal').getByText('browser').waitFor();

        // PostgreSQL lets the CLI work beside the server: revoking the token ends its session,
        // and the open page returns to sign-in saying so (the live stream is told at once).
        if (backend.kind === 'postgres') {
          const revoked = await runCli(['tokens', 'revoke', 'browser'], {
            cwd: project.dir,
            env: project.env,
          });
          assert.equal(revoked.code, 0, revoked.stderr);
          await page.getByText('Your session was revoked. Sign in again.').waitFor({ timeout: 15_000 });
        }

        const unexpected = browser.problems.filter((text) => !/401|Unauthorized/.test(text));
        assert.deepEqual(unexpected, [], 'no console errors (a CSP violation would be one)');

        // The server goes away under a signed-in page: the top bar says so, and the page stays.
        if (backend.kind === 'pglite') {
          await server.stop();
          await page.getByTestId('live-state').getByText('Offline, reconnecting…').waitFor();
          await page.getByTestId('principal').getByText('browser').waitFor();
        }
      } finally {
        await browser.close();
      }
    });
  });
}

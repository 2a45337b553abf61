// The sources and key sets pages in a real browser against a real `sluice serve` on PGlite and
// PostgreSQL: an HTTP provider whose local upstream answers 503 opens its breaker, the admin resets
// it and sees it reopen live; key sets edited and a seed file imported from the page, checked over
// the API; French; viewers and analysts see no admin controls and a forged POST gets 403.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createFormatters } from '../../web/src/i18n/format.ts';
import { cliSession } from '../support/cli.ts';
import { createPostgresDatabase, testBackends } from '../support/databases.ts';
import { type FixtureServer, startFixtureServer } from '../support/fixture-server.ts';
import { readJson } from '../support/http.ts';
import { withInitProject } from '../support/project.ts';
import { assertAccessible, browserSkip, openBrowser } from './browser.ts';
import { ensureDashboardBuilt, SCREENSHOTS, type Server, startServer } from './serve.ts';

const MAINTENANCE = 'maintenance window until 06:00 UTC';

const config = (url: string) => `import { dataset, defineConfig, fallback, http, pipeline, z } from 'sluice';
const rates = dataset('fx_rates', {
  schema: z.object({ base: z.string(), quote: z.string(), day: z.iso.date(), rate: z.number() }),
  key: ['base', 'quote', 'day'],
  time: 'day',
});
export default defineConfig({
  datasets: [rates],
  keySets: { sites: { seed: 'seeds/sites.json', description: 'Weather stations and their beacons' } },
  pipelines: [pipeline('fx_latest', {
    source: fallback(
      http({ url: '${url}/primary', name: 'primary', retry: false, breaker: { threshold: 1, cooldownS: 900 } }),
      http({ url: '${url}/secondary', name: 'secondary', retry: false, rateLimit: { requests: 100, per: '1h' } }),
    ),
    into: rates,
  })],
});
`;

const SEED = [
  { key: 'annecy', primary_beacon: 'B-101', backup_beacon: 'B-102' },
  { key: 'chambery', primary_beacon: 'B-201', backup_beacon: 'B-202' },
  { key: 'lyon', primary_beacon: 'B-301' },
];

interface SourceJson {
  name: string;
  breaker: { state: string; consecutiveFailures: number } | null;
  lastFailure: { message: string } | null;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; samples: number };
  rateLimit: { used: number } | null;
}

async function preparedProject(kind: 'pglite' | 'postgres', upstream: FixtureServer) {
  const project = await withInitProject({ pglite: kind === 'pglite' });
  const database = kind === 'postgres' ? await createPostgresDatabase({ migrated: true }) : undefined;
  const env: Record<string, string> = database ? { DATABASE_URL: database.url } : { DATABASE_URL: '' };
  await writeFile(join(project.dir, 'sluice.config.ts'), config(upstream.url));
  await mkdir(join(project.dir, 'seeds'), { recursive: true });
  await writeFile(join(project.dir, 'seeds', 'sites.json'), JSON.stringify(SEED));
  // Everything before the server starts: PGlite is one process's database.
  const cli = cliSession();
  const run = async (args: string[]) => {
    // The breaker opening is logged as a warning; the test asserts it on the page instead.
    const result = await cli.run(args, { cwd: project.dir, env: { ...env, LOG_LEVEL: 'error' } });
    assert.equal(result.code, 0, `sluice ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const tokens: Record<string, string> = {};
  try {
    await run(['seed']);
    // primary answers 503 and opens its breaker (threshold 1); secondary serves the run.
    await run(['run', 'fx_latest']);
    for (const role of ['viewer', 'analyst', 'admin'] as const) {
      tokens[role] = JSON.parse(
        await run(['tokens', 'create', '--name', role, '--role', role, '--json']),
      ).token;
    }
  } finally {
    await cli.close();
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

const skip = browserSkip();
const backends = await testBackends();

before(async () => {
  if (!skip) await ensureDashboardBuilt();
});

for (const backend of backends) {
  describe(`sources and key sets pages in chromium (${backend.kind})`, { skip: skip || backend.skip }, () => {
    let upstream: FixtureServer;
    let project: Awaited<ReturnType<typeof preparedProject>>;
    let server: Server;
    const shots = backend.kind === 'pglite';
    const en = createFormatters('en');

    const api = async (path: string, init: RequestInit = {}, role = 'admin') => {
      const response = await fetch(`${server.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${project.tokens[role]}`, ...init.headers },
      });
      return { status: response.status, body: await readJson(response) };
    };
    const source = async (name: string): Promise<SourceJson> => {
      const { body } = await api('/api/sources');
      return body.sources.find((each: SourceJson) => each.name === name);
    };
    const storedKeys = async () =>
      (await api('/api/key-sets/sites')).body.keys.map(
        (entry: { key: string; attributes: Record<string, string> }) => [entry.key, entry.attributes],
      );

    before(async () => {
      upstream = await startFixtureServer({
        '/primary': { status: 503, headers: { 'content-type': 'text/plain' }, body: MAINTENANCE },
        '/secondary': {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify([{ base: 'EUR', quote: 'USD', day: '2025-06-13', rate: 1.08 }]),
        },
      });
      project = await preparedProject(backend.kind, upstream);
      server = await startServer(project.dir, project.env);
    });
    after(async () => {
      await server?.stop();
      await project?.remove();
      await upstream?.close();
    });

    it('shows the open breaker with its failure and latency, resets it as admin, and sees it reopen live', async () => {
      const browser = await openBrowser();
      const { page } = browser;
      try {
        await page.goto(`${server.url}/?code=${server.code}`);
        await page.getByTestId('principal').getByText('dashboard-admin').waitFor();
        await page.getByTestId('live-state').getByText('Live').waitFor();
        await page.getByRole('link', { name: 'Sources' }).click();
        await page.getByRole('heading', { name: 'Sources', level: 1 }).waitFor();

        const stored = await source('primary');
        assert.equal(stored.breaker?.state, 'open');
        assert.match(stored.lastFailure?.message ?? '', /HTTP 503: maintenance window until 06:00 UTC/);
        const primary = page.getByRole('region', { name: /^primary/ });
        await primary.getByTestId('breaker-state').getByText('open', { exact: true }).waitFor();
        assert.equal(await primary.getByTestId('failures').textContent(), '1');
        assert.equal(await primary.getByTestId('failure-message').textContent(), stored.lastFailure?.message);
        assert.match(
          (await primary.getByTestId('breaker-detail').textContent()) ?? '',
          /^Open since .+; may probe again in 1[45] minutes/,
        );
        const { p50, p95, p99, samples } = stored.latencyMs;
        assert.equal(samples, 1);
        assert.equal(
          await primary.getByTestId('latency').textContent(),
          `${[p50, p95, p99].map((ms) => en.duration(ms)).join(' / ')}over the last call`,
        );
        assert.equal(await primary.getByRole('button', { name: 'Reset breaker of primary' }).count(), 1);

        // The provider that served: closed, a last success, and its rate-limit use as the API counts it.
        const secondary = page.getByRole('region', { name: /^secondary/ });
        await secondary.getByTestId('breaker-state').getByText('closed', { exact: true }).waitFor();
        const used = (await source('secondary')).rateLimit?.used;
        assert.equal(used, 1);
        assert.equal(await secondary.getByTestId('rate-limit').textContent(), '1 of 100 per 1 hr');
        assert.equal(await secondary.getByRole('button', { name: /Reset breaker/ }).count(), 0);
        if (shots) await page.screenshot({ path: join(SCREENSHOTS, 'sources.png') });
        await assertAccessible(page, 'the sources page');

        // The admin's reset: closed on the page and in the database.
        await primary.getByRole('button', { name: 'Reset breaker of primary' }).click();
        await primary.getByTestId('breaker-state').getByText('closed', { exact: true }).waitFor();
        await primary.getByText('Breaker of primary reset: it was open.').waitFor();
        assert.equal((await source('primary')).breaker?.state, 'closed');
        assert.equal(await primary.getByTestId('failures').textContent(), '0');

        // Live: a run triggered elsewhere fails on primary again; breaker:opened reaches the page over SSE.
        const triggered = await api('/api/pipelines/fx_latest/runs', { method: 'POST' });
        assert.equal(triggered.status, 202);
        await primary.getByTestId('breaker-state').getByText('open', { exact: true }).waitFor();
        await primary.getByRole('button', { name: 'Reset breaker of primary' }).waitFor();
        assert.equal((await source('primary')).breaker?.state, 'open');
        // secondary served that run: its end (run:succeeded) brings the new rate-limit use.
        await secondary.getByTestId('rate-limit').getByText('2 of 100 per 1 hr').waitFor();
        assert.equal((await source('secondary')).rateLimit?.used, 2);

        // French: the breaker's state, the facts and the reset, translated.
        await page.getByLabel('Language').selectOption('fr');
        await page.getByRole('heading', { name: 'Sources', level: 1 }).waitFor();
        await primary.getByTestId('breaker-state').getByText('ouvert', { exact: true }).waitFor();
        await primary.getByText('Échecs d’affilée', { exact: true }).waitFor();
        const minutes = new Intl.NumberFormat('fr', { style: 'unit', unit: 'minute', unitDisplay: 'short' });
        await primary.getByText(`S’ouvre au premier échec, réessaie après ${minutes.format(15)}.`).waitFor();
        await primary.getByRole('button', { name: 'Réarmer le disjoncteur de primary' }).waitFor();
        const hour = new Intl.NumberFormat('fr', {
          style: 'unit',
          unit: 'hour',
          unitDisplay: 'short',
        }).format(1);
        assert.equal(await secondary.getByTestId('rate-limit').textContent(), `2 sur 100 par ${hour}`);
        await page.getByLabel('Langue').selectOption('en');
        await page.getByRole('heading', { name: 'Sources', level: 1 }).waitFor();

        // Key sets: the seeded set, then one key edited, one added, one refused, one removed.
        await page.getByRole('link', { name: 'Key sets' }).click();
        await page.getByRole('heading', { name: 'Key sets', level: 1 }).waitFor();
        const row = page.getByRole('row', { name: /sites/ });
        await row.getByRole('cell', { name: '3', exact: true }).waitFor();
        await row.getByText('seeds/sites.json').waitFor();
        await assertAccessible(page, 'the key sets list');
        await row.getByRole('link', { name: 'sites' }).click();
        await page.getByRole('heading', { name: 'Key set sites', level: 1 }).waitFor();
        const keys = page.getByTestId('keys');
        const annecy = keys.getByRole('row', { name: /annecy/ });
        await annecy.getByRole('cell', { name: 'B-102', exact: true }).waitFor();

        await annecy.getByRole('button', { name: 'Edit key annecy' }).click();
        const form = page.getByRole('form', { name: 'Edit key annecy' });
        assert.equal(await form.getByLabel('Name of attribute 1').inputValue(), 'backup_beacon');
        await form.getByLabel('Value of attribute 1').fill('B-109');
        await form.getByRole('button', { name: 'Save key' }).click();
        await page.getByText('Saved: 0 added, 1 updated, 0 unchanged, 0 removed.').waitFor();
        await annecy.getByRole('cell', { name: 'B-109', exact: true }).waitFor();

        await page.getByRole('button', { name: 'Add a key' }).click();
        const adding = page.getByRole('form', { name: 'New key' });
        await adding.getByLabel('Key', { exact: true }).fill('saint etienne');
        await adding.getByLabel('Name of attribute 1').fill('primary_beacon');
        await adding.getByLabel('Value of attribute 1').fill('B-401');
        await adding.getByRole('button', { name: 'Save key' }).click();
        // The API's refusal, as it words it: the entry, the field and the rule.
        const refusal = adding.getByTestId('api-issues');
        await refusal.getByText('The API refused this (400 invalid_parameter):').waitFor();
        await assertAccessible(page, 'the key form with the API’s refusal');
        assert.match(
          (await refusal.getByRole('listitem').textContent()) ?? '',
          /^body\.keys\[0\], field "key": must be a non-empty string without spaces.*got "saint etienne"$/,
        );
        await adding.getByLabel('Key', { exact: true }).fill('grenoble');
        await adding.getByRole('button', { name: 'Save key' }).click();
        await page.getByText('Saved: 1 added, 0 updated, 0 unchanged, 0 removed.').waitFor();

        const lyon = keys.getByRole('row', { name: /lyon/ });
        await lyon.getByRole('button', { name: 'Remove key lyon' }).click();
        await lyon.getByRole('button', { name: 'Confirm removal of key lyon' }).click();
        await page.getByText('Key lyon removed.').waitFor();
        assert.deepEqual(await storedKeys(), [
          ['annecy', { primary_beacon: 'B-101', backup_beacon: 'B-109' }],
          ['chambery', { primary_beacon: 'B-201', backup_beacon: 'B-202' }],
          ['grenoble', { primary_beacon: 'B-401' }],
        ]);

        // A seed file in the CLI's CSV format: a bad key is refused with its line, then a good file replaces the set.
        const importer = page.getByRole('form', { name: 'Import a seed file' });
        const file = importer.getByLabel('Seed file (.json or .csv)');
        await file.setInputFiles({
          name: 'bad.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from('key,primary_beacon\nchamonix,B-501\nsaint etienne,B-502\n'),
        });
        await importer.getByText('bad.csv: 2 keys read').waitFor();
        await importer.getByRole('button', { name: 'Import' }).click();
        const issue = importer.getByTestId('api-issues').getByRole('listitem');
        await issue.first().waitFor();
        assert.match(
          (await issue.textContent()) ?? '',
          /^body\.keys\[1\] \(bad\.csv line 3\), field "key": must be/,
        );
        await file.setInputFiles({
          name: 'sites.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from(
            'key,primary_beacon,backup_beacon\r\nannecy,B-101,B-102\r\n"chamonix", B-501 ,\r\n',
          ),
        });
        await importer.getByText('sites.csv: 2 keys read').waitFor();
        await importer.getByLabel('Replace the whole set; keys not in the file are removed').check();
        await importer.getByRole('button', { name: 'Import' }).click();
        await page.getByText('Saved: 1 added, 1 updated, 0 unchanged, 2 removed.').waitFor();
        await keys.getByRole('row', { name: /chamonix/ }).waitFor();
        assert.deepEqual(await storedKeys(), [
          ['annecy', { primary_beacon: 'B-101', backup_beacon: 'B-102' }],
          ['chamonix', { primary_beacon: 'B-501' }],
        ]);
        assert.equal(await keys.getByRole('row').count(), 3, 'a header and the two stored keys');
        if (shots) {
          await page.evaluate('window.scrollTo(0, 0)');
          await page.screenshot({ path: join(SCREENSHOTS, 'key-sets.png') });
        }
        await assertAccessible(page, 'a key set');
        assert.deepEqual(
          browser.problems.filter((text) => !/400|Bad Request/.test(text)),
          [],
        );
      } finally {
        await browser.close();
      }
    });

    for (const role of ['viewer', 'analyst'] as const) {
      it(`shows a${role === 'analyst' ? 'n' : ''} ${role} no reset, edit or import controls, and refuses a forged POST`, async () => {
        const browser = await openBrowser();
        const { page } = browser;
        try {
          await page.goto(server.url);
          await page.getByLabel('API token').fill(project.tokens[role] ?? '');
          await page.getByRole('button', { name: 'Sign in' }).click();
          await page.getByTestId('principal').getByText(role).first().waitFor();

          await page.getByRole('link', { name: 'Sources' }).click();
          const primary = page.getByRole('region', { name: /^primary/ });
          await primary.getByTestId('breaker-state').getByText('open', { exact: true }).waitFor();
          assert.equal(await page.getByRole('button', { name: /Reset breaker/ }).count(), 0);

          await page.getByRole('link', { name: 'Key sets' }).click();
          await page.getByRole('link', { name: 'sites' }).click();
          await page
            .getByTestId('keys')
            .getByRole('row', { name: /chamonix/ })
            .waitFor();
          for (const name of [/Edit key/, /Remove key/, 'Add a key', 'Import']) {
            assert.equal(await page.getByRole('button', { name }).count(), 0, `no ${name} button`);
          }
          assert.equal(await page.locator('input[type=file]').count(), 0);
          assert.equal(await page.getByRole('heading', { name: 'Import a seed file' }).count(), 0);
          await page.getByLabel('Language').selectOption('fr');
          await page.getByRole('heading', { name: 'Jeu de clés sites', level: 1 }).waitFor();
          await page.getByRole('heading', { name: '2 clés', level: 2 }).waitFor();
          await page.getByRole('link', { name: '← Tous les jeux de clés' }).waitFor();

          // The page's own session, CSRF header and all: the server refuses the role, not the request.
          const session = await page.request.get(`${server.url}/api/session`);
          const { csrfToken } = (await session.json()) as { csrfToken: string };
          const forged = (path: string, data?: unknown) =>
            page.request.post(`${server.url}${path}`, {
              headers: { 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
              data: data ?? {},
            });
          const reset = await forged('/api/sources/primary/reset');
          assert.equal(reset.status(), 403);
          assert.equal(((await reset.json()) as { code: string }).code, 'forbidden');
          assert.equal((await forged('/api/key-sets/sites/keys', { keys: [{ key: 'x' }] })).status(), 403);
          assert.equal((await source('primary')).breaker?.state, 'open');
          assert.deepEqual(
            (await storedKeys()).map(([key]: [string]) => key),
            ['annecy', 'chamonix'],
          );
        } finally {
          await browser.close();
        }
      });
    }
  });
}

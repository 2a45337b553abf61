// Dashboard sign-in over real HTTP on PGlite and PostgreSQL: sessions by token and by one-time
// code, the cookie, CSRF, roles, revocation, restarts, and the built dashboard's static files.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ApiServer, buildApiServer } from '../../src/adapters/api/api-server.ts';
import { sessionCookie } from '../../src/adapters/api/dashboard-session.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { createSessionStore } from '../../src/adapters/postgres/session-store.ts';
import { createToken, revokeToken } from '../../src/adapters/postgres/token-store.ts';
import { createDashboardSessions } from '../../src/engine/dashboard-sessions.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import { readJson } from '../support/http.ts';
import { withInitProject } from '../support/project.ts';

const INDEX_HTML =
  '<!doctype html><title>sluice</title><script type="module" src="/assets/app-1a2b.js"></script>';

/** The dashboard as Vite leaves it: index.html and hashed files under assets/. */
async function builtDashboard(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-web-dist-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), INDEX_HTML);
  await writeFile(join(dir, 'assets', 'app-1a2b.js'), 'console.log("dashboard");\n');
  await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

/** `name=value` of the session cookie a response set, for the Cookie header of the next request. */
function cookieOf(response: Response): string {
  const [setCookie] = response.headers.getSetCookie();
  assert.ok(setCookie, 'a Set-Cookie header');
  return setCookie.split(';')[0] as string;
}

for (const backend of await testBackends()) {
  describe(`dashboard sessions on ${backend.kind}`, { skip: backend.skip }, () => {
    let sluice: Sluice;
    let server: ApiServer;
    let unbuilt: ApiServer;
    let base: string;
    let unbuiltBase: string;
    let dashboardDir: string;
    let close: () => Promise<void>;
    let offsetMs = 0;
    const clock = { now: () => new Date(Date.now() + offsetMs) };
    const tokens: Record<'viewer' | 'analyst' | 'admin', string> = { viewer: '', analyst: '', admin: '' };

    const start = async () => {
      server = await buildApiServer(sluice, { clock, dashboardDir });
      base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    };

    before(async () => {
      const project = await withInitProject();
      const database = await backend.open({ migrated: true });
      sluice = await openSluice({
        cwd: project.dir,
        databaseUrl: database.url,
        dataDir: `${project.dir}/.sluice`,
        logger: createLogger({ level: 'silent' }),
      });
      for (const role of ['viewer', 'analyst', 'admin'] as const)
        tokens[role] = (await createToken(sluice.db, `s_${role}`, role)).token;
      dashboardDir = await builtDashboard();
      await start();
      unbuilt = await buildApiServer(sluice, { clock, dashboardDir: join(dashboardDir, 'missing') });
      unbuiltBase = await unbuilt.app.listen({ port: 0, host: '127.0.0.1' });
      close = async () => {
        await unbuilt.app.close();
        await server.app.close();
        await sluice.close();
        await database.close();
        await project.remove();
        await rm(dashboardDir, { recursive: true, force: true });
      };
    });
    after(() => close());

    // The same use case sluice serve prints its link with.
    const codes = () => createDashboardSessions(createSessionStore(sluice.db), { clock });
    const signIn = (body: object) =>
      fetch(`${base}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const withCookie = (cookie: string, path: string, init: RequestInit = {}) =>
      fetch(`${base}${path}`, { ...init, headers: { ...init.headers, cookie } });
    const open = async (role: keyof typeof tokens) => {
      const response = await signIn({ token: tokens[role] });
      assert.equal(response.status, 201);
      return { cookie: cookieOf(response), csrfToken: (await readJson(response)).csrfToken as string };
    };

    it('signs in with a token: 201, the principal, a CSRF token and an HttpOnly SameSite=Strict cookie', async () => {
      const response = await signIn({ token: tokens.analyst });
      assert.equal(response.status, 201);
      const body = await readJson(response);
      assert.deepEqual(body.principal, { name: 's_analyst', role: 'analyst' });
      assert.match(body.csrfToken, /^[\w-]{43}$/);
      const lifetime = Date.parse(body.expiresAt) - clock.now().getTime();
      assert.ok(Math.abs(lifetime - 12 * 3600_000) < 60_000, `expires in ${lifetime} ms`);
      const [setCookie] = response.headers.getSetCookie();
      assert.match(setCookie as string, /^sluice_session=[\w-]{43}; /);
      const attributes = (setCookie as string).split('; ').slice(1);
      for (const wanted of ['HttpOnly', 'SameSite=Strict', 'Path=/'])
        assert.ok(attributes.includes(wanted), `${wanted} in ${setCookie}`);
      assert.ok(!attributes.includes('Secure'), 'no Secure over plain http');
      assert.match(sessionCookie('s', new Date(1000), new Date(0), true), /; Secure$/);
      assert.doesNotMatch(setCookie as string, new RegExp(tokens.analyst), 'the cookie is not the token');

      const session = await withCookie(cookieOf(response), '/api/session');
      assert.equal(session.status, 200);
      assert.deepEqual(await readJson(session), body, 'GET answers the same body, the same csrfToken');
      const pipelines = await withCookie(cookieOf(response), '/api/pipelines');
      assert.equal(pipelines.status, 200, 'every route accepts the cookie');

      for (const bad of [{ token: 'sluice_nope' }, { code: 'nope' }]) {
        const refused = await signIn(bad);
        assert.equal(refused.status, 401);
        assert.equal((await readJson(refused)).code, 'unauthorized');
        assert.deepEqual(refused.headers.getSetCookie(), []);
      }
      assert.equal((await signIn({ token: tokens.viewer, code: 'x' })).status, 400, 'one credential');
      // A bearer header wins over the cookie, even a bad one: no silent fallback between schemes.
      const both = await fetch(`${base}/api/pipelines`, {
        headers: { cookie: cookieOf(response), authorization: 'Bearer sluice_nope' },
      });
      assert.equal(both.status, 401);
      for (const garbage of ['sluice_session=', `sluice_session=${'x'.repeat(4000)}`, 'sluice_session=%00é'])
        assert.equal((await withCookie(garbage, '/api/pipelines')).status, 401, garbage.slice(0, 30));
      const noCookie = await fetch(`${base}/api/session`);
      assert.equal(noCookie.status, 401);
      assert.equal((await readJson(noCookie)).code, 'unauthorized');
    });

    it('signs in once with a one-time code; a used or expired code is refused and says so', async () => {
      const { code } = await codes().createSignInCode();
      const first = await signIn({ code });
      assert.equal(first.status, 201);
      assert.deepEqual((await readJson(first)).principal, { name: 'dashboard-admin', role: 'admin' });
      const again = await signIn({ code });
      assert.equal(again.status, 401);
      const used = await readJson(again);
      assert.equal(used.code, 'unauthorized');
      assert.match(used.detail, /already used/);

      const second = await codes().createSignInCode();
      const reused = await signIn({ code: second.code });
      assert.equal((await readJson(reused)).principal.name, 'dashboard-admin', 'the admin token is reused');
      const stale = await codes().createSignInCode();
      offsetMs = 5 * 60_000 + 1000;
      try {
        const expired = await signIn({ code: stale.code });
        assert.equal(expired.status, 401);
        assert.match((await readJson(expired)).detail, /expired/);
      } finally {
        offsetMs = 0;
      }
    });

    it('needs x-csrf-token on cookie requests that change state, never on bearer ones', async () => {
      const { cookie, csrfToken } = await open('viewer');
      const post = (headers: Record<string, string>) =>
        withCookie(cookie, '/api/events/tickets', { method: 'POST', headers });
      for (const [label, headers] of [
        ['without the header', {}],
        // The last character changed, whatever it was (a fixed 'A' matched one token in 64).
        [
          'with a wrong one',
          { 'x-csrf-token': `${csrfToken.slice(0, -1)}${csrfToken.endsWith('A') ? 'B' : 'A'}` },
        ],
      ] as const) {
        const refused = await post(headers);
        assert.equal(refused.status, 403, label);
        assert.equal((await readJson(refused)).code, 'csrf_failed', label);
      }
      const accepted = await post({ 'x-csrf-token': csrfToken });
      assert.equal(accepted.status, 200);
      assert.ok((await readJson(accepted)).ticket);
      const bearer = await fetch(`${base}/api/events/tickets`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.viewer}` },
      });
      assert.equal(bearer.status, 200, 'a bearer request needs no CSRF header');

      // The role is the token's: a viewer's session cannot cancel a run, CSRF header or not.
      const cancel = await withCookie(cookie, `/api/runs/${randomUUID()}/cancel`, {
        method: 'POST',
        headers: { 'x-csrf-token': csrfToken },
      });
      assert.equal(cancel.status, 403);
      assert.equal((await readJson(cancel)).code, 'forbidden');
    });

    it('opens the event stream with the cookie alone', async () => {
      const { cookie } = await open('viewer');
      const stream = await withCookie(cookie, '/api/events');
      assert.equal(stream.status, 200);
      assert.match(stream.headers.get('content-type') ?? '', /^text\/event-stream/);
      await stream.body?.cancel();
    });

    it('signs out: DELETE needs the CSRF header, revokes the session and clears the cookie', async () => {
      const { cookie, csrfToken } = await open('analyst');
      assert.equal((await withCookie(cookie, '/api/session', { method: 'DELETE' })).status, 403);
      const signedOut = await withCookie(cookie, '/api/session', {
        method: 'DELETE',
        headers: { 'x-csrf-token': csrfToken },
      });
      assert.equal(signedOut.status, 204);
      assert.match(signedOut.headers.getSetCookie()[0] as string, /^sluice_session=; .*Max-Age=0/);
      const after = await withCookie(cookie, '/api/session');
      assert.equal(after.status, 401);
      assert.equal((await readJson(after)).code, 'session_revoked');
    });

    it('ends the sessions of a revoked token, and expires sessions after 12 h', async () => {
      await createToken(sluice.db, 's_doomed', 'admin').then(async ({ token }) => {
        const response = await signIn({ token });
        const cookie = cookieOf(response);
        assert.equal((await withCookie(cookie, '/api/session')).status, 200);
        await revokeToken(sluice.db, 's_doomed');
        for (const path of ['/api/session', '/api/pipelines']) {
          const refused = await withCookie(cookie, path);
          assert.equal(refused.status, 401, path);
          assert.equal((await readJson(refused)).code, 'session_revoked', path);
        }
      });
      const { cookie } = await open('viewer');
      offsetMs = 12 * 3600_000 + 1000;
      try {
        const expired = await withCookie(cookie, '/api/runs');
        assert.equal(expired.status, 401);
        assert.equal((await readJson(expired)).code, 'session_expired');
      } finally {
        offsetMs = 0;
      }
    });

    it('keeps sessions across a server restart: they live in the database', async () => {
      const { cookie, csrfToken } = await open('admin');
      await server.app.close();
      await start();
      const session = await withCookie(cookie, '/api/session');
      assert.equal(session.status, 200);
      assert.equal((await readJson(session)).csrfToken, csrfToken);
    });

    it('serves the built dashboard with its security headers; the API paths stay the API', async () => {
      for (const path of ['/', '/runs/123?x=1', '/backfills']) {
        const page = await fetch(`${base}${path}`);
        assert.equal(page.status, 200, path);
        assert.match(page.headers.get('content-type') ?? '', /^text\/html/, path);
        assert.equal(await page.text(), INDEX_HTML, path);
        assert.equal(page.headers.get('cache-control'), 'no-cache', path);
        assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
        assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
        assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
      }
      const asset = await fetch(`${base}/assets/app-1a2b.js`);
      assert.equal(asset.status, 200);
      assert.match(asset.headers.get('content-type') ?? '', /javascript/);
      assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal((await fetch(`${base}/favicon.svg`)).headers.get('cache-control'), 'no-cache');
      assert.equal((await fetch(`${base}/assets/gone-9z.js`)).status, 404, 'no index.html for a lost asset');
      const head = await fetch(`${base}/`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      for (const sneaky of [
        '/..%2f..%2fpackage.json',
        '/%2e%2e/%2e%2e/package.json',
        '/assets/..%2f..%2findex.html',
      ])
        assert.doesNotMatch(await (await fetch(`${base}${sneaky}`)).text(), /"name"/, sneaky);

      // Unknown API paths answer as before, never with the page.
      assert.equal((await fetch(`${base}/api/x`)).status, 401);
      const known = await fetch(`${base}/api/x`, { headers: { authorization: `Bearer ${tokens.viewer}` } });
      assert.equal(known.status, 404);
      assert.equal((await readJson(known)).code, 'not_found');
      const { cookie } = await open('viewer');
      assert.equal((await withCookie(cookie, '/api/x')).status, 404);
      assert.equal((await fetch(`${base}/metrics/x`)).status, 401);
      assert.equal((await fetch(`${base}/`, { method: 'POST' })).status, 401, 'only GET serves the page');
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
    });

    it('answers 503 at / while web/dist is not built, saying how to build it', async () => {
      const response = await fetch(`${unbuiltBase}/`);
      assert.equal(response.status, 503);
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const problem = await readJson(response);
      assert.equal(problem.code, 'dashboard_not_built');
      assert.match(problem.detail, /npm run build/);
      assert.equal((await fetch(`${unbuiltBase}/api/pipelines`)).status, 401, 'the API works without it');
    });
  });
}

// Hostile: a revoked token keeps its event streams and tickets, one principal floods the ticket
// book, tickets leak into the request log. On PGlite and PostgreSQL, over real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { createTicketBook } from '../../src/adapters/api/event-stream.ts';
import { createToken, revokeToken } from '../../src/adapters/postgres/token-store.ts';
import type { Logger } from '../../src/engine/ports.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { runCliInProcess } from '../support/cli.ts';
import { testBackends } from '../support/databases.ts';
import { readJson } from '../support/http.ts';
import { withInitProject } from '../support/project.ts';
import { openStream, type SseClient } from '../support/sse.ts';

/** Well below the 30 s re-check: a stream that ends within it was ended by the notification. */
const BOUND_MS = 5000;

const revokedEvent = async (stream: SseClient, token: string) => {
  const event = await stream.next((e) => e.event === 'revoked', BOUND_MS);
  assert.deepEqual(JSON.parse(event.data), { reason: 'token_revoked', token });
  await stream.ended;
};

describe('ticket book limits', () => {
  it('a full server refuses the next ticket (with when to retry) instead of evicting anyone’s', () => {
    let now = 0;
    const book = createTicketBook({ now: () => new Date(now) }, { capacity: 3, perPrincipal: 2 });
    const alice = { name: 'alice', role: 'viewer' } as const;
    const bob = { name: 'bob', role: 'viewer' } as const;
    const first = book.issue(alice);
    now = 10_000;
    const held = [book.issue(bob), book.issue(alice)];
    assert.deepEqual(book.issue(alice), { ok: false, reason: 'principal_limit', retryAfterMs: 50_000 });
    assert.deepEqual(book.issue({ name: 'carol', role: 'viewer' }), {
      ok: false,
      reason: 'server_limit',
      retryAfterMs: 50_000,
    });
    for (const issued of [first, ...held]) {
      assert.ok(issued.ok);
      assert.ok(book.redeem(issued.ticket), 'every ticket issued is still redeemable');
    }
  });
});

for (const backend of await testBackends()) {
  describe(`SSE revocation on ${backend.kind}`, { skip: backend.skip }, () => {
    let sluice: Sluice;
    let base: string;
    let projectDir: string;
    let databaseUrl: string | undefined;
    let close: () => Promise<void>;
    const logLines: string[] = [];
    let counter = 0;

    before(async () => {
      const project = await withInitProject();
      projectDir = project.dir;
      const database = await backend.open({ migrated: true });
      databaseUrl = database.url;
      const logger = pino({ level: 'info' }, { write: (line: string) => logLines.push(line) });
      sluice = await openSluice({
        cwd: project.dir,
        databaseUrl,
        dataDir: `${project.dir}/.sluice`,
        logger: logger as unknown as Logger,
      });
      const server = await buildApiServer(sluice, { databaseUrl });
      base = await server.app.listen({ port: 0, host: '127.0.0.1' });
      close = async () => {
        await server.app.close();
        await sluice.close();
        await database.close();
        await project.remove();
      };
    });
    after(() => close());

    // Revoked names stay taken, so every case makes its own tokens.
    const newToken = async (role: 'viewer' | 'admin' = 'viewer') => {
      const name = `t${++counter}`;
      return { name, token: (await createToken(sluice.db, name, role)).token };
    };
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const requestTicket = (token: string, at = base) =>
      fetch(`${at}/api/events/tickets`, { method: 'POST', headers: bearer(token) });
    const ticketOf = async (token: string, at = base): Promise<string> => {
      const response = await requestTicket(token, at);
      assert.equal(response.status, 200);
      return (await readJson(response)).ticket;
    };
    const statusOf = async (url: string) => {
      const client = await openStream(url);
      client.close();
      return client.response.status;
    };

    it('revoking a token ends its open streams (header and ticket) with event: revoked; others stay', async () => {
      const doomed = await newToken();
      const bystander = await newToken();
      const byHeader = await openStream(`${base}/api/events`, bearer(doomed.token));
      const byTicket = await openStream(`${base}/api/events?ticket=${await ticketOf(doomed.token)}`);
      const other = await openStream(`${base}/api/events`, bearer(bystander.token));
      try {
        assert.equal(byHeader.response.status, 200);
        assert.equal(byTicket.response.status, 200);
        await revokeToken(sluice.db, doomed.name);
        await revokedEvent(byHeader, doomed.name);
        await revokedEvent(byTicket, doomed.name);
        const report = await sluice.run('readings_csv');
        const event = await other.next((e) => e.event === 'run:succeeded');
        assert.equal(JSON.parse(event.data).id, report.runId, 'the other token streams on');
        assert.equal(await statusOf(`${base}/api/events`), 401);
      } finally {
        byHeader.close();
        byTicket.close();
        other.close();
      }
    });

    it('a ticket issued before its token was revoked gets 401, notified or not', async () => {
      const notified = await newToken();
      const ticket = await ticketOf(notified.token);
      await revokeToken(sluice.db, notified.name);
      assert.equal(await statusOf(`${base}/api/events?ticket=${ticket}`), 401);

      // A revocation this server never hears of (no NOTIFY): the ticket is checked against the table.
      const silent = await newToken();
      const silentTicket = await ticketOf(silent.token);
      await sluice.db.query('UPDATE sluice.api_tokens SET revoked_at = now() WHERE name = $1', [silent.name]);
      assert.equal(await statusOf(`${base}/api/events?ticket=${silentTicket}`), 401);
    });

    it('a revocation without a notification is found by the periodic re-check', async () => {
      const server = await buildApiServer(sluice, { databaseUrl, tokenRecheckMs: 100 });
      const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
      const viewer = await newToken();
      const stream = await openStream(`${url}/api/events`, bearer(viewer.token));
      try {
        assert.equal(stream.response.status, 200);
        await sluice.db.query('UPDATE sluice.api_tokens SET revoked_at = now() WHERE name = $1', [
          viewer.name,
        ]);
        await revokedEvent(stream, viewer.name);
      } finally {
        stream.close();
        await server.app.close();
      }
    });

    it('without a LISTEN connection (PostgreSQL, no URL for it) a revocation is found by polling', {
      skip: backend.kind === 'pglite' && 'PGlite always listens in-process',
    }, async () => {
      const server = await buildApiServer(sluice);
      const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
      const viewer = await newToken();
      const stream = await openStream(`${url}/api/events`, bearer(viewer.token));
      try {
        assert.equal(stream.response.status, 200);
        await revokeToken(sluice.db, viewer.name);
        await revokedEvent(stream, viewer.name);
      } finally {
        stream.close();
        await server.app.close();
      }
    });

    it('`sluice tokens revoke` in another process ends the stream of this server', {
      skip: backend.kind === 'pglite' && 'an embedded data directory admits one process at a time',
    }, async () => {
      const viewer = await newToken();
      const stream = await openStream(`${base}/api/events`, bearer(viewer.token));
      try {
        assert.equal(stream.response.status, 200);
        const revoked = await runCliInProcess(['tokens', 'revoke', viewer.name], {
          cwd: projectDir,
          env: { DATABASE_URL: databaseUrl },
        });
        assert.equal(revoked.code, 0, revoked.stderr);
        await revokedEvent(stream, viewer.name);
      } finally {
        stream.close();
      }
    });

    it('a flood of tickets by one principal gets 429 after 20 and never evicts another principal’s ticket', async () => {
      const flooder = await newToken();
      const victim = await newToken();
      const victimTicket = await ticketOf(victim.token);
      const statuses: number[] = [];
      let refused: Response | undefined;
      for (let round = 0; round < 10; round++) {
        const batch = await Promise.all(Array.from({ length: 10 }, () => requestTicket(flooder.token)));
        for (const response of batch) {
          statuses.push(response.status);
          // Every body but the one read below is cancelled: an unread body keeps its connection
          // busy, and the server's close then waits for the keep-alive timeout (72 s).
          if (response.status === 429 && refused === undefined) refused = response;
          else await response.body?.cancel();
        }
      }
      assert.equal(statuses.filter((status) => status === 200).length, 20, 'twenty outstanding tickets');
      assert.equal(statuses.filter((status) => status === 429).length, 80);
      assert.ok(refused);
      assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      const retryAfter = Number(refused.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
      const problem = await readJson(refused);
      assert.equal(problem.code, 'too_many_tickets');
      assert.match(problem.detail, /too many unused tickets/);

      const stream = await openStream(`${base}/api/events?ticket=${victimTicket}`);
      stream.close();
      assert.equal(stream.response.status, 200, 'the other principal’s ticket still works');
      assert.equal((await requestTicket(victim.token)).status, 200, 'and it gets new ones');
    });

    it('masks every ticket= value in the request log, on any route and however it is encoded', async () => {
      const viewer = await newToken();
      const secrets = [
        await ticketOf(viewer.token),
        await ticketOf(viewer.token),
        await ticketOf(viewer.token),
      ];
      logLines.length = 0;
      await statusOf(`${base}/api/events?ticket=${secrets[0]}&ticket=${secrets[1]}`);
      await (await fetch(`${base}/api/runs?ticket=${secrets[2]}`)).body?.cancel();
      await (await fetch(`${base}/api/events?%74icket=${secrets[2]}&types=run:`)).body?.cancel();
      const requests = logLines
        .map((line) => JSON.parse(line))
        .filter((line) => line.msg === 'incoming request');
      assert.deepEqual(
        requests.map((line) => line.req.url),
        [
          '/api/events?ticket=[redacted]&ticket=[redacted]',
          '/api/runs?ticket=[redacted]',
          '/api/events?%74icket=[redacted]&types=run:',
        ],
      );
      for (const secret of secrets)
        assert.ok(!logLines.some((line) => line.includes(secret as string)), 'no ticket in any log line');
    });
  });
}

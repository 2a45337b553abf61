// Server-Sent Events over real HTTP on PGlite and PostgreSQL: tickets, live run and tick events,
// replay after Last-Event-ID, a lost LISTEN connection, and shutdown with streams open.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { latestEventId, pruneEvents, readEventsAfter } from '../../src/adapters/postgres/event-store.ts';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import { readJson } from '../support/http.ts';
import { withInitProject } from '../support/project.ts';
import { openStream, type SseEvent } from '../support/sse.ts';

const forRun = (runId: string, type: string) => (event: SseEvent) =>
  event.event === type && JSON.parse(event.data).id === runId;

for (const backend of await testBackends()) {
  describe(`events on ${backend.kind}`, { skip: backend.skip }, () => {
    let sluice: Sluice;
    let base: string;
    let databaseUrl: string | undefined;
    let close: () => Promise<void>;
    let viewer: string;
    let offsetMs = 0;
    const clock = { now: () => new Date(Date.now() + offsetMs) };
    const seen: { runId: string; runningId: string; succeededId: string } = {
      runId: '',
      runningId: '',
      succeededId: '',
    };

    before(async () => {
      const project = await withInitProject();
      const database = await backend.open({ migrated: true });
      databaseUrl = database.url;
      sluice = await openSluice({
        cwd: project.dir,
        databaseUrl,
        dataDir: `${project.dir}/.sluice`,
        logger: createLogger({ level: 'silent' }),
      });
      viewer = (await createToken(sluice.db, 't_viewer', 'viewer')).token;
      const server = await buildApiServer(sluice, { clock, databaseUrl });
      base = await server.app.listen({ port: 0, host: '127.0.0.1' });
      close = async () => {
        await server.app.close();
        await sluice.close();
        await database.close();
        await project.remove();
      };
    });
    after(() => close());

    const bearer = () => ({ authorization: `Bearer ${viewer}` });
    const issueTicket = async (): Promise<string> => {
      const response = await fetch(`${base}/api/events/tickets`, { method: 'POST', headers: bearer() });
      assert.equal(response.status, 200);
      const body = await readJson(response);
      const expiresIn = Date.parse(body.expiresAt) - clock.now().getTime();
      assert.ok(expiresIn > 55_000 && expiresIn <= 60_000, `expires in ${expiresIn} ms`);
      return body.ticket;
    };
    const status = async (path: string, headers: Record<string, string> = {}) => {
      const client = await openStream(`${base}${path}`, headers);
      client.close();
      return client.response.status;
    };

    it('needs a bearer token or an unused, unexpired ticket', async () => {
      assert.equal(await status('/api/events'), 401);
      assert.equal((await fetch(`${base}/api/events/tickets`, { method: 'POST' })).status, 401);
      assert.equal(await status('/api/events?ticket=made-up'), 401);

      const ticket = await issueTicket();
      const stream = await openStream(`${base}/api/events?ticket=${ticket}`);
      assert.equal(stream.response.status, 200);
      assert.equal(stream.response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      assert.equal(stream.response.headers.get('cache-control'), 'no-cache');
      assert.equal(stream.response.headers.get('x-accel-buffering'), 'no');
      stream.close();
      assert.equal(await status(`/api/events?ticket=${ticket}`), 401, 'a ticket works once');

      const late = await issueTicket();
      offsetMs = 61_000;
      try {
        assert.equal(await status(`/api/events?ticket=${late}`), 401, 'a ticket expires after 60 s');
      } finally {
        offsetMs = 0;
      }
      const elsewhere = await issueTicket();
      const runs = await fetch(`${base}/api/runs?ticket=${elsewhere}`);
      assert.equal(runs.status, 401, 'only the event stream takes tickets');
      assert.equal(await status('/api/events', bearer()), 200);
    });

    it('streams run:running then run:succeeded for a run started while connected', async () => {
      const stream = await openStream(`${base}/api/events`, bearer());
      const ticks = await openStream(`${base}/api/events?types=tick:`, bearer());
      try {
        const report = await sluice.run('readings_csv');
        const running = await stream.next(forRun(report.runId, 'run:running'));
        const succeeded = await stream.next(forRun(report.runId, 'run:succeeded'));
        const payload = JSON.parse(succeeded.data);
        assert.equal(payload.pipeline, 'readings_csv');
        assert.equal(payload.dataset, 'readings');
        assert.equal(payload.status, 'succeeded');
        assert.equal(payload.fetched, report.counts.fetched);
        assert.ok(Number(succeeded.id) > Number(running.id));
        seen.runId = report.runId;
        seen.runningId = running.id ?? '';
        seen.succeededId = succeeded.id ?? '';

        await sluice.db.query(
          `INSERT INTO sluice.ticks (pipeline, scheduled_at, evaluated_at, outcome, reason)
           VALUES ('readings_csv', '2026-01-05T00:00:00Z', now(), 'skipped', 'a run was active')`,
        );
        // The filtered stream's first event is the tick: the run events went past it.
        const tick = await ticks.next();
        assert.equal(tick.event, 'tick:skipped');
        assert.deepEqual(JSON.parse(tick.data), {
          pipeline: 'readings_csv',
          scheduledAt: '2026-01-05T00:00:00.000Z',
          reason: 'a run was active',
          runId: null,
        });
        assert.equal((await stream.next((event) => event.event.startsWith('tick:'))).id, tick.id);
      } finally {
        stream.close();
        ticks.close();
      }
    });

    it('replays the events after Last-Event-ID, from the header or ?lastEventId=', async () => {
      assert.ok(seen.runningId, 'the previous test recorded its events');
      const resumed = await openStream(`${base}/api/events`, {
        ...bearer(),
        'last-event-id': seen.runningId,
      });
      try {
        const first = await resumed.next();
        assert.equal(first.id, seen.succeededId);
        assert.equal(first.event, 'run:succeeded');
        assert.equal((await resumed.next()).event, 'tick:skipped');
        // Live events follow the replay on the same stream.
        const report = await sluice.run('readings_csv');
        await resumed.next(forRun(report.runId, 'run:succeeded'));
      } finally {
        resumed.close();
      }
      const ticket = await issueTicket();
      const fresh = await openStream(
        `${base}/api/events?ticket=${ticket}&lastEventId=${seen.runningId}&types=run:`,
      );
      try {
        assert.equal((await fresh.next()).id, seen.succeededId);
        assert.equal(JSON.parse((await fresh.next()).data).status, 'running', 'the tick is filtered out');
      } finally {
        fresh.close();
      }
      assert.equal(await status('/api/events', { ...bearer(), 'last-event-id': 'yesterday' }), 400);
    });

    it('sends replay:truncated instead of more than 1000 missed events', async () => {
      const before = Number(seen.succeededId);
      await sluice.db.query(
        `INSERT INTO sluice.ticks (pipeline, scheduled_at, evaluated_at, outcome)
         SELECT 'backlog', '2020-01-01T00:00:00Z'::timestamptz + n * interval '1 minute', now(), 'missed'
           FROM generate_series(1, 1001) AS n`,
      );
      const { rows } = await sluice.db.query<{ id: number }>('SELECT max(id) AS id FROM sluice.events');
      const stream = await openStream(`${base}/api/events`, { ...bearer(), 'last-event-id': String(before) });
      try {
        const reset = await stream.next();
        assert.equal(reset.event, 'replay:truncated');
        assert.equal(reset.id, String(rows[0]?.id));
        assert.deepEqual(JSON.parse(reset.data), { afterId: before, resumeId: rows[0]?.id });
        const report = await sluice.run('readings_csv');
        const next = await stream.next();
        assert.equal(next.event, 'run:running', 'live events follow the reset, no backlog');
        assert.equal(JSON.parse(next.data).id, report.runId);
      } finally {
        stream.close();
      }
    });

    it('catches up after the LISTEN connection is killed', {
      skip: backend.kind !== 'postgres',
    }, async () => {
      const stream = await openStream(`${base}/api/events`, bearer());
      try {
        const { rows } = await sluice.db.query<{ killed: boolean }>(
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
            WHERE application_name = 'sluice-events' AND datname = current_database()`,
        );
        assert.equal(rows.length, 1, 'one listener connection for the whole server');
        // Runs while the listener is down: the catch-up after reconnecting delivers them.
        const report = await sluice.run('readings_csv');
        await stream.next(forRun(report.runId, 'run:running'));
        await stream.next(forRun(report.runId, 'run:succeeded'));
      } finally {
        stream.close();
      }
    });

    it('prunes events older than the retention', async () => {
      const latest = await latestEventId(sluice.db);
      await sluice.db.query(
        `INSERT INTO sluice.events (type, payload, created_at) VALUES ('tick:missed', '{}', now() - interval '2 days')`,
      );
      assert.ok((await latestEventId(sluice.db)) > latest);
      assert.equal(await pruneEvents(sluice.db, new Date(Date.now() - 24 * 60 * 60 * 1000)), 1);
      assert.equal(await latestEventId(sluice.db), latest);
      assert.ok((await readEventsAfter(sluice.db, 0, 5000)).length > 1000, 'recent events stay');
    });

    it('works without a LISTEN URL and ends open streams when the server closes', async () => {
      const server = await buildApiServer(sluice);
      const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
      const stream = await openStream(`${url}/api/events`, bearer());
      try {
        const report = await sluice.run('readings_csv');
        await stream.next(forRun(report.runId, 'run:succeeded'));
        await server.app.close();
        await stream.ended;
      } finally {
        stream.close();
      }
    });
  });
}

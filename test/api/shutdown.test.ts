// close() of the API server is bounded: a connection Node does not count as idle (here a request
// whose headers never finish) is ended after the grace period instead of holding the shutdown
// for Node's header or keep-alive timeouts (60–72 s; 72 s was seen in the SSE suite).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { testBackends } from '../support/databases.ts';
import { openTestProject } from '../support/test-project.ts';

const CONFIG = `import { defineConfig } from 'sluice';
export default defineConfig({ datasets: [], pipelines: [] });
`;

const backend = (await testBackends()).find((candidate) => !candidate.skip)!;

describe(`API server shutdown on ${backend.kind}`, () => {
  it('ends a connection stuck mid-request after the grace period', { timeout: 30_000 }, async () => {
    const project = await openTestProject(backend, CONFIG);
    try {
      const server = await buildApiServer(project.sluice, { closeGraceMs: 300 });
      const base = new URL(await server.app.listen({ port: 0, host: '127.0.0.1' }));
      const socket = connect(Number(base.port), '127.0.0.1');
      await once(socket, 'connect');
      // Headers never finished: Node sees a request in progress, not an idle connection.
      socket.write('GET /api/health HTTP/1.1\r\nhost: 127.0.0.1\r\n');
      const ended = once(socket, 'close');
      const started = performance.now();
      await server.app.close();
      const tookMs = performance.now() - started;
      await ended;
      assert.ok(tookMs < 10_000, `close() took ${Math.round(tookMs)} ms`);
      assert.ok(tookMs >= 250, `close() waited ${Math.round(tookMs)} ms, not the grace period`);
    } finally {
      await project.close();
    }
  });
});

// The alert webhook against a real local server: timeouts and 5xx are retried, other 4xx are not.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FixtureServer, startFixtureServer } from '../../../test/support/fixture-server.ts';
import { createLogger } from '../log/logger.ts';
import { createAlertWebhook } from './alert-webhook.ts';

describe('alert webhook', () => {
  let server: FixtureServer;
  let hangs = 0;
  const bodies: string[] = [];
  before(async () => {
    server = await startFixtureServer({
      // The first request never gets an answer: only the client's timeout ends it.
      '/slow': (request, response) => {
        if (hangs++ === 0) return;
        let text = '';
        request.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        request.on('end', () => {
          bodies.push(text);
          response.writeHead(204).end();
        });
      },
      '/gone': { status: 410 },
    });
  });
  after(() => server.close());
  const logger = createLogger({ level: 'silent' });

  it('retries after a timeout and delivers the same JSON body', async () => {
    const webhook = createAlertWebhook({ url: `${server.url}/slow`, logger, timeoutMs: 100, backoffMs: 10 });
    webhook.send({ type: 'freshness:stale', dataset: 'rates' });
    await webhook.drain(5000);
    assert.equal(hangs, 2);
    assert.deepEqual(
      bodies.map((body) => JSON.parse(body)),
      [{ type: 'freshness:stale', dataset: 'rates' }],
    );
    const request = server.requests.find((r) => r.url === '/slow');
    assert.equal(request?.method, 'POST');
    assert.equal(request?.headers['content-type'], 'application/json');
    await webhook.close();
  });

  it('gives up at once on a client error and never throws to the sender', async () => {
    const webhook = createAlertWebhook({ url: `${server.url}/gone`, logger, backoffMs: 10 });
    webhook.send({ n: 1 });
    webhook.send({ n: 2 });
    await webhook.drain(5000);
    assert.equal(server.requests.filter((r) => r.url === '/gone').length, 2, 'one try per alert');
    await webhook.close();
    webhook.send({ n: 3 });
    assert.equal(server.requests.filter((r) => r.url === '/gone').length, 2, 'nothing is sent after close');
  });
});

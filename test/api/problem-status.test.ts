// Every domain error code answers its own status, not a 500: rate limits, open breakers, timeouts.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import Fastify from 'fastify';
import { handleError } from '../../src/adapters/api/problem.ts';
import { ErrorCode, SluiceError } from '../../src/domain/errors.ts';

it('rate_limited, breaker_open and timeout map to 429, 503 and 504 as problem+json', async () => {
  const app = Fastify({ logger: false });
  app.setErrorHandler(handleError);
  app.get('/:code', async (request) => {
    throw new SluiceError((request.params as { code: ErrorCode }).code, 'upstream trouble');
  });
  for (const [code, status] of [
    [ErrorCode.rateLimited, 429],
    [ErrorCode.breakerOpen, 503],
    [ErrorCode.timeout, 504],
    [ErrorCode.notFound, 404],
  ] as const) {
    const response = await app.inject({ method: 'GET', url: `/${code}` });
    assert.equal(response.statusCode, status, code);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(response.json().code, code);
  }
  await app.close();
});

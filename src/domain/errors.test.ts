// The error vocabulary: every class keeps a cause, codes are stable, SourceError defaults to not retryable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigError,
  ConflictError,
  ErrorCode,
  errorCode,
  NotFoundError,
  SluiceError,
  SourceError,
  UsageError,
} from './errors.ts';

describe('errors', () => {
  it('every class takes { cause } and keeps its code and message', () => {
    const cause = new Error('the original');
    const made = [
      [new SluiceError(ErrorCode.database, 'm', { cause }), ErrorCode.database],
      [new ConfigError('m', { cause }), ErrorCode.config],
      [new UsageError('m', { cause }), ErrorCode.usage],
      [new ConflictError('m', { cause }), ErrorCode.conflict],
      [new NotFoundError('m', { cause }), ErrorCode.notFound],
      [new SourceError(ErrorCode.timeout, 'm', { cause, retryable: true }), ErrorCode.timeout],
    ] as const;
    for (const [error, code] of made) {
      assert.equal(error.cause, cause);
      assert.equal(error.code, code);
      assert.equal(errorCode(error), code);
      assert.equal(error.message, 'm');
    }
    assert.equal(new UsageError('m').cause, undefined);
  });

  it('a SourceError is not retryable unless it says so', () => {
    assert.equal(new SourceError(ErrorCode.source, 'm').retryable, false);
    assert.equal(new SourceError(ErrorCode.source, 'm', { cause: new Error('x') }).retryable, false);
    const limited = new SourceError(ErrorCode.rateLimited, 'm', {
      retryable: true,
      status: 429,
      retryAfterMs: 500,
    });
    assert.deepEqual([limited.retryable, limited.status, limited.retryAfterMs], [true, 429, 500]);
  });
});

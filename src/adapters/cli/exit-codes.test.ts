// Error codes → exit codes: what a script calling sluice can rely on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, ErrorCode, NotFoundError, SluiceError, UsageError } from '../../domain/errors.ts';
import { ExitCode, exitCodeForError, exitCodeForRun } from './exit-codes.ts';

describe('exit codes', () => {
  it('a mistake in the command or the config is 2, anything else that failed is 1', () => {
    assert.equal(exitCodeForError(new UsageError('u')), ExitCode.usage);
    assert.equal(exitCodeForError(new ConfigError('c')), ExitCode.usage);
    assert.equal(exitCodeForError(new NotFoundError('n')), ExitCode.usage);
    assert.equal(exitCodeForError(new SluiceError(ErrorCode.schemaChange, 's')), ExitCode.usage);
    for (const code of [ErrorCode.conflict, ErrorCode.database, ErrorCode.timeout, ErrorCode.internal]) {
      assert.equal(exitCodeForError(new SluiceError(code, code)), ExitCode.failure, code);
    }
    // Codes from outside sluice (a Node errno) and plain errors.
    assert.equal(exitCodeForError(Object.assign(new Error('gone'), { code: 'ENOENT' })), ExitCode.failure);
    assert.equal(exitCodeForError(new Error('plain')), ExitCode.failure);
    assert.equal(exitCodeForError('thrown text'), ExitCode.failure);
  });

  it('a run exits 0 when it succeeded, 3 when partial, 1 otherwise', () => {
    assert.equal(exitCodeForRun('succeeded'), ExitCode.ok);
    assert.equal(exitCodeForRun('partial'), ExitCode.partial);
    assert.equal(exitCodeForRun('failed'), ExitCode.failure);
    assert.equal(exitCodeForRun('cancelled'), ExitCode.failure);
  });
});

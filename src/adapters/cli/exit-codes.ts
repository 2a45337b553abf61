// Error codes → CLI exit codes, in one place.
import { ErrorCode, errorCode } from '../../domain/errors.ts';
import type { RunStatus } from '../../domain/run-status.ts';

export const ExitCode = { ok: 0, failure: 1, usage: 2, partial: 3 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const USAGE_CODES = new Set<string>([
  ErrorCode.config,
  ErrorCode.usage,
  ErrorCode.notFound,
  ErrorCode.schemaChange,
]);

export function exitCodeForError(error: unknown): ExitCode {
  return USAGE_CODES.has(errorCode(error)) ? ExitCode.usage : ExitCode.failure;
}

export function exitCodeForRun(status: RunStatus): ExitCode {
  if (status === 'succeeded') return ExitCode.ok;
  if (status === 'partial') return ExitCode.partial;
  return ExitCode.failure;
}

// Error codes → CLI exit codes, in one place.
import { ErrorCode, errorCode } from '../../domain/errors.ts';
import type { RunStatus } from '../../domain/run-status.ts';

export const ExitCode = { ok: 0, failure: 1, usage: 2, partial: 3 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Every domain code has an exit code: a new code without one fails tsc, as the HTTP status map does. */
const EXIT: Record<ErrorCode, ExitCode> = {
  [ErrorCode.config]: ExitCode.usage,
  [ErrorCode.usage]: ExitCode.usage,
  [ErrorCode.notFound]: ExitCode.usage,
  [ErrorCode.schemaChange]: ExitCode.usage,
  [ErrorCode.conflict]: ExitCode.failure,
  [ErrorCode.dataDirLocked]: ExitCode.failure,
  [ErrorCode.database]: ExitCode.failure,
  [ErrorCode.source]: ExitCode.failure,
  [ErrorCode.sourceFormat]: ExitCode.failure,
  [ErrorCode.upstreamHttp]: ExitCode.failure,
  [ErrorCode.upstreamErrorBody]: ExitCode.failure,
  [ErrorCode.rateLimited]: ExitCode.failure,
  [ErrorCode.breakerOpen]: ExitCode.failure,
  [ErrorCode.timeout]: ExitCode.failure,
  [ErrorCode.cancelled]: ExitCode.failure,
  [ErrorCode.staleAttempt]: ExitCode.failure,
  [ErrorCode.abandoned]: ExitCode.failure,
  [ErrorCode.qualityErrorRate]: ExitCode.failure,
  [ErrorCode.quarantineCap]: ExitCode.failure,
  [ErrorCode.internal]: ExitCode.failure,
};

/** Codes from outside sluice (a Node errno such as ENOENT) are failures. */
export function exitCodeForError(error: unknown): ExitCode {
  const code = errorCode(error);
  return Object.hasOwn(EXIT, code) ? EXIT[code as ErrorCode] : ExitCode.failure;
}

export function exitCodeForRun(status: RunStatus): ExitCode {
  if (status === 'succeeded') return ExitCode.ok;
  if (status === 'partial') return ExitCode.partial;
  return ExitCode.failure;
}

// The error vocabulary: one base class with a stable code, subclasses only where callers differ.

export const ErrorCode = {
  config: 'config_error',
  usage: 'usage_error',
  notFound: 'not_found',
  conflict: 'conflict',
  schemaChange: 'schema_change_required',
  dataDirLocked: 'data_dir_locked',
  database: 'database_error',
  source: 'source_error',
  sourceFormat: 'source_format_error',
  upstreamHttp: 'upstream_http_error',
  upstreamErrorBody: 'upstream_error_body',
  rateLimited: 'rate_limited',
  breakerOpen: 'breaker_open',
  timeout: 'timeout',
  cancelled: 'cancelled',
  staleAttempt: 'stale_attempt',
  /** A run whose process stopped without finishing it (killed, or lost the database). */
  abandoned: 'abandoned',
  qualityErrorRate: 'quality_error_rate',
  quarantineCap: 'quarantine_cap',
  internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class SluiceError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SluiceError';
    this.code = code;
  }
}

/** A definition or configuration that cannot work; raised at load time, exit code 2. */
export class ConfigError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.config, message, options);
    this.name = 'ConfigError';
  }
}

export class UsageError extends SluiceError {
  constructor(message: string) {
    super(ErrorCode.usage, message);
    this.name = 'UsageError';
  }
}

export class ConflictError extends SluiceError {
  constructor(message: string) {
    super(ErrorCode.conflict, message);
    this.name = 'ConflictError';
  }
}

export class NotFoundError extends SluiceError {
  constructor(message: string) {
    super(ErrorCode.notFound, message);
    this.name = 'NotFoundError';
  }
}

/**
 * A source failed to deliver. `retryable` tells a retry policy whether trying again can help
 * (a timeout or a 503 can; a 404 or a malformed file cannot).
 */
export class SourceError extends SluiceError {
  readonly retryable: boolean;
  /** The upstream's HTTP status, when it answered with one. */
  readonly status: number | undefined;
  /** How long the upstream asked to be left alone (Retry-After on a 429 or 503), in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { retryable: boolean; cause?: unknown; status?: number; retryAfterMs?: number } = {
      retryable: false,
    },
  ) {
    super(code, message, { cause: options.cause });
    this.name = 'SourceError';
    this.retryable = options.retryable;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isSluiceError(error: unknown): error is SluiceError {
  return error instanceof SluiceError;
}

/** The message of anything thrown, for places that must not throw themselves. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function errorCode(error: unknown): string {
  if (error instanceof SluiceError) return error.code;
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return error.code;
  return ErrorCode.internal;
}

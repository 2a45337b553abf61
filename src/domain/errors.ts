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

/**
 * Every class takes `{ cause }` like `Error` does: a caller that wraps an error passes the original
 * as `cause`, so logs keep where it came from while the message stays the one users read.
 */
export class SluiceError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SluiceError';
    this.code = code;
  }
}

/** A definition or configuration that cannot work; raised at load time, exit code 2. */
export class ConfigError extends SluiceError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.config, message, options);
    this.name = 'ConfigError';
  }
}

export class UsageError extends SluiceError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.usage, message, options);
    this.name = 'UsageError';
  }
}

export class ConflictError extends SluiceError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.conflict, message, options);
    this.name = 'ConflictError';
  }
}

export class NotFoundError extends SluiceError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.notFound, message, options);
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
    options: ErrorOptions & {
      /** @defaultValue false */
      retryable?: boolean;
      status?: number;
      retryAfterMs?: number;
    } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.name = 'SourceError';
    this.retryable = options.retryable ?? false;
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

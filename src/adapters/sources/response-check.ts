// Response checks: an error that arrives as data (HTTP 200 with an error body, rows of N/D) fails the call.
import { ErrorCode, errorMessage, SourceError } from '../../domain/errors.ts';
import type { ResponseCheck } from '../../domain/source-definition.ts';
import type { SourceChunk } from '../../domain/source-item.ts';
import { type ByteInput, bufferInput } from './byte-input.ts';

/** Error bodies are small; a body larger than this is data and streams unchecked. */
export const CHECK_BODY_BYTES = 1024 * 1024;

export type CheckFailure = (reason: string) => SourceError;

/** The error a check's hit becomes: not retryable (the same request gets the same answer soon). */
export function errorBodyFailure(shownUrl: string, redact: (text: string) => string): CheckFailure {
  return (reason) =>
    new SourceError(
      ErrorCode.upstreamErrorBody,
      `${shownUrl}: the response is an error, not data: ${redact(reason)}`,
      {
        retryable: false,
      },
    );
}

/** A user's check that throws is a reason too, so a broken check cannot let an error through. */
function verdict(
  what: string,
  check: (value: unknown) => string | undefined,
  value: unknown,
): string | undefined {
  try {
    const reason = check(value);
    if (reason === undefined || reason === null || reason === '') return undefined;
    return String(reason);
  } catch (error) {
    return `check.${what} threw: ${errorMessage(error)}`;
  }
}

/**
 * Reads the body up to CHECK_BODY_BYTES and, when it is all there, runs `check.body` on it (the
 * parsed document for JSON, the text otherwise). Returns an input that replays every byte.
 */
export async function checkBody(
  input: ByteInput,
  format: 'json' | 'csv' | 'xml',
  check: NonNullable<ResponseCheck['body']>,
  fail: CheckFailure,
): Promise<ByteInput> {
  // One byte past the limit tells a body that fits from one that does not.
  const peeked = await bufferInput(input, CHECK_BODY_BYTES + 1);
  if (peeked.complete) {
    const text = peeked.head.toString('utf8').replace(/^\uFEFF/, '');
    let body: unknown = text;
    if (format === 'json') {
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON after all: the reader reports that with its position; nothing to check here.
        body = undefined;
      }
    }
    const reason = body === undefined ? undefined : verdict('body', check, body);
    if (reason !== undefined) throw fail(reason);
  }
  return peeked.input;
}

/** Passes records through `check.record`; the first hit fails the whole call. */
export async function* checkRecords(
  chunks: AsyncIterable<SourceChunk>,
  check: NonNullable<ResponseCheck['record']>,
  fail: CheckFailure,
): AsyncGenerator<SourceChunk> {
  for await (const chunk of chunks) {
    for (const item of chunk) {
      if (item.kind !== 'record') continue;
      const reason = verdict('record', check, item.value);
      if (reason !== undefined) {
        throw fail(item.origin.line === undefined ? reason : `${reason} (line ${item.origin.line})`);
      }
    }
    yield chunk;
  }
}

// The http source: one GET with a whole-call timeout and a size cap, its body streamed into a reader.
import type { Readable } from 'node:stream';
import { request } from 'undici';
import { parseRetryAfter } from '../../domain/backoff.ts';
import { ErrorCode, isSluiceError, SourceError } from '../../domain/errors.ts';
import type { HttpSourceDefinition } from '../../domain/source-definition.ts';
import type { RecordOrigin, SourceChunk } from '../../domain/source-item.ts';
import { TextEncodingName } from '../../domain/text-encoding.ts';
import { type RunWarning, type SourceContext, systemClock } from '../../engine/ports.ts';
import { type ByteInput, formatError, looksLikeHtml, peekInput } from './byte-input.ts';
import { decodeContent } from './content-encoding.ts';
import { csvRecords } from './csv-records.ts';
import { sendFollowingRedirects } from './http-redirects.ts';
import { type PreparedRequest, prepareRequest, withBearer } from './http-request.ts';
import { jsonRecords } from './json-records.ts';
import { createOAuth2Session } from './oauth2-client.ts';
import { createMemoryTokenCache, type TokenCache } from './oauth2-token-cache.ts';
import { checkBody, checkRecords, errorBodyFailure } from './response-check.ts';
import { asUtf8, charsetOf } from './text-encoding.ts';
import { USER_AGENT } from './user-agent.ts';
import { xmlRecords } from './xml-records.ts';

type BodyFormat = 'json' | 'csv' | 'xml';

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);
/** Failures where the request may never have been understood: trying again can help. */
const NETWORK_CODES = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_RESPONSE_STATUS_CODE']);

/** True for statuses where the same request can succeed later. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** The format a Content-Type names, `html` for a web page, or undefined when it does not say. */
export function formatOfContentType(contentType: string): BodyFormat | 'html' | undefined {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'html';
  if (type.includes('json')) return 'json';
  if (type.includes('csv') || type === 'text/tab-separated-values') return 'csv';
  if (type.includes('xml')) return 'xml';
  return undefined;
}

/** For `auto` when the Content-Type is generic (text/plain, octet-stream): look at the first bytes. */
function sniffFormat(head: Buffer): BodyFormat {
  const start = head
    .subarray(0, 64)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (start.startsWith('{') || start.startsWith('[')) return 'json';
  if (start.startsWith('<')) return 'xml';
  return 'csv';
}

function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** An undici error may quote the URL; a copy with secrets replaced is kept as the cause instead. */
function safeCause(error: unknown, redact: (text: string) => string): unknown {
  if (!(error instanceof Error)) return undefined;
  const text = `${error.message}\n${error.stack ?? ''}`;
  if (redact(text) === text) return error;
  const copy = new Error(redact(error.message));
  copy.name = error.name;
  return copy;
}

interface CallState {
  readonly prepared: PreparedRequest;
  readonly timeoutMs: number;
  readonly timeout: AbortSignal;
  readonly cancel: AbortSignal;
}

/** Maps whatever a request or body read threw to a SourceError that is safe to show. */
function failure(error: unknown, call: CallState): SourceError {
  if (error instanceof SourceError) return error;
  if (isSluiceError(error))
    return new SourceError(error.code, error.message, { retryable: false, cause: error });
  const { shownUrl, redact } = call.prepared;
  const cause = safeCause(error, redact);
  if (call.cancel.aborted)
    return new SourceError(ErrorCode.cancelled, `${shownUrl}: cancelled`, { retryable: false, cause });
  const code = (error as { code?: unknown }).code;
  if (call.timeout.aborted || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
    return new SourceError(
      ErrorCode.timeout,
      `${shownUrl}: no complete response within ${call.timeoutMs} ms`,
      {
        retryable: true,
        cause,
      },
    );
  }
  const message = redact(error instanceof Error ? error.message : String(error));
  // System errors (ECONNREFUSED, ECONNRESET, EAI_AGAIN…) and socket failures are transient.
  const retryable = typeof code === 'string' && (/^E[A-Z]+$/.test(code) || NETWORK_CODES.has(code));
  return new SourceError(ErrorCode.source, `${shownUrl}: request failed: ${message}`, { retryable, cause });
}

/** Body bytes, capped at maxBytes, with read failures mapped to SourceErrors; always releases the body. */
async function* guardedBody(body: Readable, maxBytes: number, call: CallState): ByteInput {
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > maxBytes) {
        throw formatError(
          `${call.prepared.shownUrl}: the response body is larger than maxBytes (${maxBytes} bytes)`,
        );
      }
      yield chunk;
    }
  } catch (error) {
    throw failure(error, call);
  } finally {
    body.destroy();
  }
}

/** The start of an error body, for the message; never fails (the status is what matters). */
async function bodySnippet(
  body: Readable,
  redactAndCut: (text: string, max: number) => string,
): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      parts.push(chunk);
      size += chunk.byteLength;
      if (size >= 1024) break;
    }
  } catch {
    // A body that fails mid-way still leaves the status to report.
  } finally {
    body.destroy();
  }
  // Redacted before any cut: the read stops near 1 KiB, maybe inside a key, whose start is dropped too.
  return redactAndCut(Buffer.concat(parts).toString('utf8').replace(/\s+/g, ' ').trim(), 200);
}

function recordsOf(
  format: BodyFormat,
  input: ByteInput,
  source: HttpSourceDefinition,
  origin: RecordOrigin,
  contentType: string,
  onWarning?: (warning: RunWarning) => void,
): AsyncIterable<SourceChunk> {
  switch (format) {
    case 'json':
      return jsonRecords(input, source.records, origin, onWarning);
    case 'xml':
      return xmlRecords(input, source.records, origin, onWarning);
    case 'csv': {
      const tabs = contentType.toLowerCase().includes('tab-separated');
      return csvRecords(input, origin, {
        delimiter: source.csv.delimiter ?? (tabs ? '\t' : ','),
        maxLineBytes: source.maxLineBytes,
        limitOption: 'the source option maxLineBytes',
      });
    }
  }
}

/** Tokens of sources read without a shared cache: this process only. */
const processTokens = createMemoryTokenCache();

/** With `auth`, `tokens` holds the bearer tokens (shared by every process when it is the database's). */
export async function* readHttpSource(
  source: HttpSourceDefinition,
  context: SourceContext,
  tokens: TokenCache = processTokens,
): AsyncGenerator<SourceChunk> {
  const declared = prepareRequest(source, context.params);
  const clock = context.clock ?? systemClock;
  const session = source.auth
    ? createOAuth2Session(source.auth, tokens, {
        source: source.name,
        timeoutMs: source.timeoutMs,
        clock,
        signal: context.signal,
        logger: context.logger,
      })
    : undefined;
  let bearer = session ? await session.token() : undefined;
  let prepared = bearer === undefined ? declared : withBearer(declared, bearer);
  const timeout = AbortSignal.timeout(source.timeoutMs);
  let call: CallState = { prepared, timeoutMs: source.timeoutMs, timeout, cancel: context.signal };
  const origin: RecordOrigin = { provider: source.name, url: prepared.shownUrl };
  const log = context.logger;
  log.debug({ url: prepared.shownUrl }, 'http request');

  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await send(source, prepared, AbortSignal.any([timeout, context.signal]));
    if (response.statusCode === 401 && session && bearer !== undefined) {
      // Revoked or expired early: one new token and one more try; a second 401 fails as usual.
      response.body.on('error', () => {});
      response.body.destroy();
      log.info({ provider: source.name }, `"${source.name}" answered 401: renewing its OAuth 2 token once`);
      bearer = await session.renewAfterRejection(bearer);
      prepared = withBearer(declared, bearer);
      call = { ...call, prepared };
      response = await send(source, prepared, AbortSignal.any([timeout, context.signal]));
    }
  } catch (error) {
    throw failure(error, call);
  }
  yield* readResponse(source, context, call, origin, response);
}

function send(
  source: HttpSourceDefinition,
  prepared: PreparedRequest,
  signal: AbortSignal,
): Promise<Awaited<ReturnType<typeof request>>> {
  return sendFollowingRedirects(prepared, source.redirects, source.method, (hop) =>
    request(hop.url, {
      method: hop.method,
      headers: {
        accept: 'application/json, text/csv, application/xml;q=0.9, */*;q=0.5',
        'user-agent': USER_AGENT,
        ...(hop.body ? { 'content-type': hop.body.contentType } : {}),
        ...hop.headers,
      },
      body: hop.body?.text,
      signal,
      headersTimeout: source.timeoutMs,
      bodyTimeout: source.timeoutMs,
    }),
  );
}

async function* readResponse(
  source: HttpSourceDefinition,
  context: SourceContext,
  call: CallState,
  origin: RecordOrigin,
  response: Awaited<ReturnType<typeof request>>,
): AsyncGenerator<SourceChunk> {
  const { prepared } = call;
  const log = context.logger;
  const { statusCode, headers, body } = response;
  const shown = prepared.shownUrl;
  try {
    const contentType = headerText(headers['content-type']);
    log.debug({ url: shown, status: statusCode, contentType }, 'http response');
    if (statusCode < 200 || statusCode >= 300) {
      const snippet = await bodySnippet(body, prepared.redactAndCut);
      // Only 429 and 503 carry a Retry-After that means "not before then".
      const retryAfterMs =
        statusCode === 429 || statusCode === 503
          ? parseRetryAfter(headerText(headers['retry-after']), (context.clock ?? systemClock).now())
          : undefined;
      throw new SourceError(
        ErrorCode.upstreamHttp,
        `${shown} answered HTTP ${statusCode}${snippet ? `: ${snippet}` : ''}`,
        { retryable: isRetryableStatus(statusCode), status: statusCode, retryAfterMs },
      );
    }
    if (statusCode === 204) {
      // No Content is an answer, not a malformed document (Weather Underground sends it for a
      // station that is offline): no records, and the run says why instead of failing on JSON.
      context.onWarning?.({ code: 'no_records', message: `${shown} answered 204 No Content: no records` });
      return;
    }
    const declared = Number(headerText(headers['content-length']));
    if (Number.isFinite(declared) && declared > source.maxBytes) {
      throw formatError(
        `${shown}: the response body (${declared} bytes) is larger than maxBytes (${source.maxBytes})`,
      );
    }
    const raw = guardedBody(body, source.maxBytes, call);
    const encoding = headerText(headers['content-encoding']);
    const decoded = decodeContent(raw, encoding, source.maxBytes, shown);
    const text = asUtf8(decoded, source.encoding ?? charsetOf(contentType) ?? TextEncodingName.utf8, shown);
    const peeked = await peekInput(text);
    const byType = formatOfContentType(contentType);
    const expected = source.format === 'auto' ? 'data' : source.format.toUpperCase();
    if (byType === 'html' || looksLikeHtml(peeked.head)) {
      throw formatError(
        `${shown}: expected ${expected} but got an HTML page (Content-Type "${contentType}")`,
      );
    }
    const format = source.format !== 'auto' ? source.format : (byType ?? sniffFormat(peeked.head));
    const fail = errorBodyFailure(shown, prepared.redact);
    const { body: bodyCheck, record: recordCheck } = source.check;
    const input = bodyCheck ? await checkBody(peeked.input, format, bodyCheck, fail) : peeked.input;
    const records = recordsOf(format, input, source, origin, contentType, context.onWarning);
    yield* recordCheck ? checkRecords(records, recordCheck, fail) : records;
  } finally {
    // Also on early return or error: an unread body would hold the connection open.
    if (!body.destroyed) {
      // Abandoned unread (an encoding refused before the first byte): its abort error has no reader.
      body.on('error', () => {});
      body.destroy();
    }
  }
}

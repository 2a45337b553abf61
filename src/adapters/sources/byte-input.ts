// What every reader shares: the byte-stream input type, chunking, peeking and format-error wrapping.
import { ErrorCode, isSluiceError, SourceError } from '../../domain/errors.ts';
import type { RecordOrigin, SourceItem } from '../../domain/source-item.ts';

/** A file stream, an HTTP body, or any other async source of bytes. */
export type ByteInput = AsyncIterable<Uint8Array>;

/** Items per yielded chunk: large enough to amortise async overhead, small enough to keep memory flat. */
export const CHUNK_SIZE = 1000;

/** The file or redacted URL a record came from, for error messages. */
export function describeOrigin(origin: RecordOrigin): string {
  return origin.file ?? origin.url ?? origin.provider;
}

/** `64 MiB`, `1.5 MiB`, `12 KiB`, `900 bytes`: sizes as a person reads them in an error. */
export function formatBytes(bytes: number): string {
  const round = (value: number) => String(Math.round(value * 10) / 10);
  if (bytes >= 2 ** 20) return `${round(bytes / 2 ** 20)} MiB`;
  if (bytes >= 2 ** 10) return `${round(bytes / 2 ** 10)} KiB`;
  return `${bytes} bytes`;
}

export function formatError(message: string, cause?: unknown): SourceError {
  return new SourceError(ErrorCode.sourceFormat, message, { retryable: false, cause });
}

/**
 * Errors that already carry a meaning (a timeout of the HTTP body, a file that cannot be read) pass
 * through; anything else thrown while parsing means the bytes were not in the expected format.
 */
export function asFormatError(error: unknown, describe: (message: string) => string): Error {
  if (isSluiceError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return formatError(describe(message), error);
}

export interface PeekedInput {
  /** The first bytes of the input: enough to recognise a format, not necessarily a full chunk. */
  head: Buffer;
  /** True when `head` is the whole input. */
  complete: boolean;
  /** The whole input again, head included. */
  input: ByteInput;
}

/** Non-blank bytes that are enough to tell `<!DOCTYPE html` from data. */
const SNIFF_BYTES = 16;

function hasContent(parts: readonly Uint8Array[]): boolean {
  const text = Buffer.concat(parts)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return text.length >= SNIFF_BYTES;
}

/**
 * Reads ahead until `enough(buffered)` or `bytes` are buffered or the input ends, then hands back
 * an input that replays every byte. Stopping early releases the underlying file or socket.
 */
export async function bufferInput(
  input: ByteInput,
  bytes: number,
  enough: (buffered: readonly Uint8Array[], size: number) => boolean = () => false,
): Promise<PeekedInput> {
  const iterator = input[Symbol.asyncIterator]();
  const buffered: Uint8Array[] = [];
  let size = 0;
  let done = false;
  try {
    while (size < bytes && !(size > 0 && enough(buffered, size))) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        break;
      }
      buffered.push(next.value);
      size += next.value.byteLength;
    }
  } catch (error) {
    await iterator.return?.();
    throw error;
  }
  const head = Buffer.concat(buffered);
  async function* replay(): AsyncGenerator<Uint8Array> {
    try {
      yield* buffered.splice(0);
      if (done) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // Stopping early must release the underlying file or socket.
      if (!done) await iterator.return?.();
    }
  }
  return { head, complete: done, input: replay() };
}

/**
 * Reads the first bytes to sniff the format, then hands back an input that replays them. It stops
 * as soon as there is something to look at, so a slow body is not waited on before parsing starts.
 */
export function peekInput(input: ByteInput, bytes = 1024): Promise<PeekedInput> {
  return bufferInput(input, bytes, hasContent);
}

const HTML_START = /^<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])/i;

/** True when the first non-blank bytes are the start of an HTML page (a login or error page). */
export function looksLikeHtml(head: Buffer): boolean {
  const text = head
    .subarray(0, 512)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return HTML_START.test(text);
}

/** Collects items into chunks of CHUNK_SIZE. */
export class ChunkBuilder {
  #items: SourceItem[] = [];

  get full(): boolean {
    return this.#items.length >= CHUNK_SIZE;
  }

  push(item: SourceItem): void {
    this.#items.push(item);
  }

  record(value: unknown, origin: RecordOrigin): void {
    this.#items.push({ kind: 'record', value, origin });
  }

  /** Returns the collected items (possibly empty) and starts a new chunk. */
  take(): SourceItem[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }
}

// Caps how many bytes a zip archive (an .xlsx workbook) may unpack to, per entry and in total.
import type { Readable } from 'node:stream';
import { ErrorCode, SourceError } from '../../domain/errors.ts';
import { formatBytes } from './byte-input.ts';

export interface UnpackLimits {
  /** Bytes all entries together may unpack to. */
  readonly total: number;
  /** Bytes one entry may unpack to. */
  readonly entry: number;
}

/** The unzipper entry as it is handed out: a stream the inflated bytes are written into. */
interface ZipEntryStream {
  readonly path: string;
  readonly vars?: { readonly uncompressedSize?: number };
  write(chunk: Uint8Array, ...rest: unknown[]): boolean;
  end(...rest: unknown[]): unknown;
}

function isZipEntry(value: unknown): value is ZipEntryStream {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { path?: unknown }).path === 'string' &&
    typeof (value as { write?: unknown }).write === 'function'
  );
}

/**
 * Watches the zip parser exceljs pipes a workbook into. The declared size in each entry's header
 * is checked first, but headers can lie, so every inflated chunk is counted as it is written into
 * the entry; past a limit the archive stops being read and `violation` says why.
 */
export class UnpackGuard {
  violation: SourceError | undefined;
  /** True once the zip parser was seen: without it nothing was counted. */
  attached = false;
  /** Entries counted so far: a worksheet read with none counted means the hook missed them. */
  entries = 0;
  readonly #where: string;
  readonly #limits: UnpackLimits;
  readonly #hint: { total: string; entry: string };
  #total = 0;
  #input: Readable | undefined;
  #zip: Readable | undefined;

  constructor(where: string, limits: UnpackLimits, hint: { total: string; entry: string }) {
    this.#where = where;
    this.#limits = limits;
    this.#hint = hint;
  }

  /** Hooks `input.pipe(zip)` so each entry the zip parser hands out is counted. */
  watch(input: Readable): void {
    this.#input = input;
    const pipe = input.pipe.bind(input);
    input.pipe = <T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T => {
      this.#attach(destination as unknown as Readable);
      return pipe(destination, options);
    };
  }

  #attach(zip: Readable): void {
    this.attached = true;
    this.#zip = zip;
    const push = zip.push.bind(zip);
    zip.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
      if (isZipEntry(chunk)) this.#count(chunk);
      return push(chunk, encoding);
    };
  }

  #count(entry: ZipEntryStream): void {
    this.entries++;
    // Ending the entry early (rather than failing it) lets every consumer exceljs has finish,
    // including one copying it to a temporary file; the failed zip then stops the archive.
    const end = entry.end.bind(entry);
    let ended = false;
    entry.end = (...rest: unknown[]): unknown => {
      if (ended) return entry;
      ended = true;
      return end(...rest);
    };
    let unpacked = 0;
    const write = entry.write.bind(entry);
    entry.write = (chunk: Uint8Array, ...rest: unknown[]): boolean => {
      // After a violation the rest of the inflated bytes are dropped, never buffered.
      if (this.violation) return true;
      unpacked += chunk.byteLength;
      this.#total += chunk.byteLength;
      if (unpacked > this.#limits.entry) {
        this.#fail(
          entry,
          `entry "${entry.path}" unpacks to more than the ${formatBytes(this.#limits.entry)} limit per entry`,
          this.#hint.entry,
        );
        return true;
      }
      if (this.#total > this.#limits.total) {
        this.#fail(
          entry,
          `it unpacks to more than the ${formatBytes(this.#limits.total)} limit in total (reached in entry "${entry.path}")`,
          this.#hint.total,
        );
        return true;
      }
      return write(chunk, ...rest);
    };
    const declared = entry.vars?.uncompressedSize ?? 0;
    if (declared > this.#limits.entry) {
      this.#fail(
        entry,
        `entry "${entry.path}" declares ${formatBytes(declared)} unpacked, over the ${formatBytes(this.#limits.entry)} limit per entry`,
        this.#hint.entry,
      );
    }
  }

  #fail(entry: ZipEntryStream, reason: string, hint: string): void {
    this.violation = new SourceError(
      ErrorCode.sourceFormat,
      `${this.#where} was not read: ${reason} (a zip bomb?); if the workbook is trusted, raise ${hint}`,
      { retryable: false },
    );
    // Stop reading the file, cut the entry short and fail whoever waits for the next one.
    this.#input?.destroy();
    entry.end();
    this.#zip?.destroy(this.violation);
  }
}

// Splits a byte stream into lines in linear time, and refuses a line longer than a limit.
import { lineDefaults } from '../../domain/source-definition.ts';
import type { RecordOrigin } from '../../domain/source-item.ts';
import { describeOrigin, formatBytes, formatError } from './byte-input.ts';

export interface LineLimitOptions {
  /** Bytes one line (one CSV record) may hold; a longer one fails the file. @defaultValue 16 MiB */
  maxLineBytes?: number;
  /** Where the limit is set, for the error, e.g. 'the source option maxLineBytes'; none when it is fixed. */
  limitOption?: string;
}

/** The error for a line past the limit: which file, which line, the limit and how to raise it. */
export function lineTooLong(
  origin: RecordOrigin,
  line: number,
  options: LineLimitOptions,
  what = `line ${line}`,
): Error {
  const limit = formatBytes(options.maxLineBytes ?? lineDefaults.maxLineBytes);
  const raise = options.limitOption ? `; raise ${options.limitOption} if such lines are expected` : '';
  return formatError(`${describeOrigin(origin)}: ${what} is longer than the ${limit} line limit${raise}`);
}

/**
 * Holds the bytes of the line being read as a list of pieces and searches only new bytes for a
 * newline, so a line of n bytes costs O(n) however many chunks it spans. Lines are decoded whole,
 * so a UTF-8 character split between chunks stays intact.
 */
export class LineSplitter {
  readonly #origin: RecordOrigin;
  readonly #options: LineLimitOptions;
  readonly #max: number;
  #pieces: Buffer[] = [];
  #size = 0;
  /** The 1-based number of the line being read. */
  #line = 1;

  constructor(origin: RecordOrigin, options: LineLimitOptions = {}) {
    this.#origin = origin;
    this.#options = options;
    this.#max = options.maxLineBytes ?? lineDefaults.maxLineBytes;
  }

  /** The complete lines `bytes` ends, without their newline; the rest waits for more bytes. */
  *push(bytes: Uint8Array): Generator<string> {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let start = 0;
    for (let end = buffer.indexOf(10); end !== -1; end = buffer.indexOf(10, start)) {
      yield this.#take(buffer.subarray(start, end));
      start = end + 1;
    }
    if (start < buffer.byteLength) this.#hold(buffer.subarray(start));
  }

  /** The last line when the input did not end with a newline. */
  end(): string | undefined {
    if (this.#size === 0) return undefined;
    return this.#take(Buffer.alloc(0));
  }

  #hold(piece: Buffer): void {
    this.#size += piece.byteLength;
    if (this.#size > this.#max) throw lineTooLong(this.#origin, this.#line, this.#options);
    this.#pieces.push(piece);
  }

  #take(last: Buffer): string {
    this.#hold(last);
    const text =
      this.#pieces.length === 1
        ? (this.#pieces[0] as Buffer).toString('utf8')
        : Buffer.concat(this.#pieces).toString('utf8');
    this.#pieces = [];
    this.#size = 0;
    this.#line++;
    return text;
  }
}

// Streams CSV/TSV rows as objects keyed by the header row; a ragged row is rejected, not fatal.
import { pipeline } from 'node:stream';
import { type Info, Parser } from 'csv-parse';
import { lineDefaults } from '../../domain/source-definition.ts';
import type { RecordOrigin, SourceChunk } from '../../domain/source-item.ts';
import {
  asFormatError,
  type ByteInput,
  ChunkBuilder,
  describeOrigin,
  formatError,
  looksLikeHtml,
  peekInput,
} from './byte-input.ts';
import { type LineLimitOptions, lineTooLong } from './line-splitter.ts';

export interface CsvReadOptions extends LineLimitOptions {
  /** @defaultValue ',' */
  delimiter?: string;
}

function rowObject(header: readonly string[], record: readonly string[]): Record<string, string> {
  const value: Record<string, string> = {};
  for (let index = 0; index < header.length; index++) {
    const key = header[index] as string;
    // A "__proto__" column must stay a column, never become the object's prototype.
    if (key === '__proto__') {
      Object.defineProperty(value, key, {
        value: record[index],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      value[key] = record[index] as string;
    }
  }
  return value;
}

/**
 * Passes the input through, holding back the bytes after the last newline until more arrive. When
 * the input fails (a body cut mid-stream) it ends cleanly at the last complete line instead and
 * keeps the failure in `failure`, so the parser hands over every row it read completely.
 * The held bytes are a list of pieces, so a long line is copied once, not once per chunk.
 */
class CompleteLines {
  failure: { error: unknown } | undefined;
  readonly #maxHeld: number;

  constructor(maxHeld: number) {
    this.#maxHeld = maxHeld;
  }

  async *feed(input: ByteInput): ByteInput {
    let held: Buffer[] = [];
    let size = 0;
    try {
      for await (const part of input) {
        const bytes = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
        const cut = bytes.lastIndexOf(10) + 1;
        if (cut > 0) {
          yield held.length > 0 ? Buffer.concat([...held, bytes.subarray(0, cut)]) : bytes.subarray(0, cut);
          held = [];
          size = 0;
        }
        if (cut < bytes.byteLength) {
          held.push(bytes.subarray(cut));
          size += bytes.byteLength - cut;
        }
        // A line past the limit goes on to the parser, whose record limit refuses it with its line.
        if (size > this.#maxHeld) {
          yield Buffer.concat(held);
          held = [];
          size = 0;
        }
      }
    } catch (error) {
      this.failure = { error };
      return;
    }
    if (size > 0) yield Buffer.concat(held);
  }
}

/**
 * csv-parse fails its stream at a bad record (a record past the limit, a quote left open), and a
 * failed stream drops the rows already parsed from the same chunk. This parser ends its output
 * there instead and keeps the error in `fault`, so those rows are handed over first.
 */
class HandOverParser extends Parser {
  fault: { error: unknown } | undefined;

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void) {
    if (this.fault) return callback();
    super._transform(chunk, encoding, (error) => this.#settle(error, callback));
  }

  override _flush(callback: (error?: Error | null) => void) {
    if (this.fault) return callback();
    super._flush((error) => this.#settle(error, callback));
  }

  #settle(error: Error | null | undefined, callback: (error?: Error | null) => void): void {
    if (error) {
      this.fault = { error };
      this.push(null);
    }
    callback();
  }
}

interface ParsedRow {
  record: string[];
  info: Info;
}

/**
 * Line numbers from byte offsets: csv-parse's own line count drifts after a CRLF inside a quoted
 * field, but its byte offsets are exact. The feeder notes where each newline is; rows then ask how
 * many newlines lie before their start. Only newlines not yet passed by the parser are kept.
 */
class LineIndex {
  #breaks: number[] = [];
  #head = 0;
  #offset = 0;
  #passed = 0;

  async *feed(input: ByteInput): ByteInput {
    for await (const chunk of input) {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1))
        this.#breaks.push(this.#offset + at);
      this.#offset += chunk.byteLength;
      yield chunk;
    }
  }

  /** The 1-based line holding byte `offset`; offsets must not decrease between calls. */
  lineAt(offset: number): number {
    while (this.#head < this.#breaks.length && (this.#breaks[this.#head] as number) < offset) {
      this.#head++;
      this.#passed++;
    }
    if (this.#head > 4096) {
      this.#breaks = this.#breaks.slice(this.#head);
      this.#head = 0;
    }
    return this.#passed + 1;
  }
}

/**
 * Yields one record per data row with `origin.line` set to the row's first line (1-based, counting
 * the header). Rows whose field count differs from the header's are rejected items (`csv_ragged_row`).
 */
export async function* csvRecords(
  input: ByteInput,
  origin: RecordOrigin,
  options: CsvReadOptions = {},
): AsyncGenerator<SourceChunk> {
  const where = describeOrigin(origin);
  const peeked = await peekInput(input);
  if (looksLikeHtml(peeked.head)) {
    throw formatError(`${where}: expected CSV but got an HTML page (an error, login or API-key page?)`);
  }
  const maxLineBytes = options.maxLineBytes ?? lineDefaults.maxLineBytes;
  const lines = new LineIndex();
  const complete = new CompleteLines(maxLineBytes);
  const parser = new HandOverParser({
    bom: true,
    delimiter: options.delimiter ?? ',',
    info: true,
    // Without it a quoted field left open buffers the rest of the input.
    max_record_size: maxLineBytes,
    // Field counts are checked here, row by row, so one bad row does not end the file.
    relax_column_count: true,
    skip_empty_lines: true,
  });
  const rows = pipeline(lines.feed(complete.feed(peeked.input)), parser, () => {
    // Errors surface through the iteration below.
  });
  const chunk = new ChunkBuilder();
  let header: string[] | undefined;
  // A row starts where the previous one ended (info.bytes), after any blank lines skipped in between.
  let lastEnd = 0;
  let lastSkipped = 0;
  let failure: { error: unknown } | undefined;
  try {
    for await (const { record, info } of rows as AsyncIterable<ParsedRow>) {
      const skipped = info.empty_lines + info.comment_lines;
      const line = lines.lineAt(lastEnd) + (skipped - lastSkipped);
      lastEnd = info.bytes;
      lastSkipped = skipped;
      if (header === undefined) {
        header = record;
        continue;
      }
      // A whitespace-only line is a blank line with stray spaces, not a one-field row.
      if (record.length === 1 && header.length > 1 && (record[0] as string).trim() === '') continue;
      const rowOrigin = { ...origin, line };
      if (record.length !== header.length) {
        chunk.push({
          kind: 'rejected',
          raw: record,
          issues: [
            {
              path: [],
              code: 'csv_ragged_row',
              message: `line ${line} has ${record.length} fields but the header has ${header.length}`,
            },
          ],
          origin: rowOrigin,
        });
      } else {
        chunk.record(rowObject(header, record), rowOrigin);
      }
      if (chunk.full) yield chunk.take();
    }
  } catch (error) {
    failure = { error };
  } finally {
    rows.destroy();
  }
  if (parser.fault && !failure) {
    const { error } = parser.fault;
    // The record that failed starts where the last one handed over ended.
    const skipped = parser.info.empty_lines + parser.info.comment_lines;
    const line = lines.lineAt(lastEnd) + (skipped - lastSkipped);
    failure = {
      error:
        (error as { code?: unknown }).code === 'CSV_MAX_RECORD_SIZE'
          ? lineTooLong(origin, line, options, `the record starting at line ${line}`)
          : error,
    };
  }
  // Rows parsed completely before a fault (a body cut mid-stream) are handed over, and counted,
  // before the fault is reported, as the JSON reader does.
  const rest = chunk.take();
  if (rest.length > 0) yield rest;
  // A cut body is reported as such, even when the cut also left a quoted field open.
  const fault = complete.failure ?? failure;
  if (fault) throw asFormatError(fault.error, (message) => `${where} is not valid CSV: ${message}`);
}

// Streams CSV/TSV rows as objects keyed by the header row; a ragged row is rejected, not fatal.
import { pipeline } from 'node:stream';
import { type Info, parse } from 'csv-parse';
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

export interface CsvReadOptions {
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
 */
class CompleteLines {
  failure: { error: unknown } | undefined;

  async *feed(input: ByteInput): ByteInput {
    let tail: Buffer = Buffer.alloc(0);
    try {
      for await (const part of input) {
        const chunk = tail.length > 0 ? Buffer.concat([tail, part]) : Buffer.from(part);
        const cut = chunk.lastIndexOf(10) + 1;
        tail = chunk.subarray(cut);
        if (cut > 0) yield chunk.subarray(0, cut);
      }
    } catch (error) {
      this.failure = { error };
      return;
    }
    if (tail.length > 0) yield tail;
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
  const lines = new LineIndex();
  const complete = new CompleteLines();
  const rows = pipeline(
    lines.feed(complete.feed(peeked.input)),
    parse({
      bom: true,
      delimiter: options.delimiter ?? ',',
      info: true,
      // Field counts are checked here, row by row, so one bad row does not end the file.
      relax_column_count: true,
      skip_empty_lines: true,
    }),
    () => {
      // Errors surface through the iteration below.
    },
  );
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
  // Rows parsed completely before a fault (a body cut mid-stream) are handed over, and counted,
  // before the fault is reported, as the JSON reader does.
  const rest = chunk.take();
  if (rest.length > 0) yield rest;
  // A cut body is reported as such, even when the cut also left a quoted field open.
  const fault = complete.failure ?? failure;
  if (fault) throw asFormatError(fault.error, (message) => `${where} is not valid CSV: ${message}`);
}

// Streams records out of one JSON document: the selector picks where they sit, arrays are never built whole.
import { pipeline, type Readable } from 'node:stream';
import { pick } from 'stream-json/filters/pick.js';
import { streamValues } from 'stream-json/streamers/stream-values.js';
import type { RecordSelector, SelectorSegment } from '../../domain/record-selector.ts';
import type { RecordOrigin, SourceChunk } from '../../domain/source-item.ts';
import type { RunWarning } from '../../engine/ports.ts';
import {
  asFormatError,
  type ByteInput,
  ChunkBuilder,
  describeOrigin,
  formatError,
  looksLikeHtml,
  peekInput,
} from './byte-input.ts';

type StackKey = string | number | null;

function segmentMatches(segment: SelectorSegment | undefined, key: StackKey): boolean {
  if (segment === '*') return true;
  // A numeric segment also names an object key such as "0", as selectRecords does in memory.
  return key !== null && (segment === key || String(segment) === String(key));
}

/**
 * The pick filter for a selector: a value at the selected path is one record unless it is an
 * array, in which case each element (path + index) is picked on its own, so a huge array at the
 * selected place streams element by element. `onPlace` is told each time a value sits at the
 * selected path, an empty array included.
 */
export function selectorFilter(
  selector: RecordSelector,
  onPlace?: () => void,
): (stack: StackKey[], token: { name: string }) => boolean {
  const segments = selector.segments;
  const depth = segments.length;
  const prefixMatches = (stack: StackKey[]): boolean => {
    for (let index = 0; index < depth; index++) {
      if (!segmentMatches(segments[index], stack[index] ?? null)) return false;
    }
    return true;
  };
  return (stack, token) => {
    if (stack.length === depth) {
      if (!prefixMatches(stack)) return false;
      onPlace?.();
      return token.name !== 'startArray';
    }
    // Stream-json keeps array positions as numbers and object keys as strings in its stack.
    if (stack.length === depth + 1) return typeof stack[depth] === 'number' && prefixMatches(stack);
    return false;
  };
}

/** How far the input got, so a parse error can say where, and how it ended. */
interface InputProgress {
  bytes: number;
  ended: boolean;
  /** Set when the input itself failed (an HTTP timeout, a read error): that is what gets reported. */
  failure?: unknown;
}

/**
 * Feeds the parser and counts bytes. An input failure ends the input instead of tearing the
 * pipeline down, so records parsed before it still come out before the failure is reported.
 */
async function* tracked(input: ByteInput, progress: InputProgress): ByteInput {
  try {
    for await (const chunk of input) {
      progress.bytes += chunk.byteLength;
      yield chunk;
    }
    progress.ended = true;
  } catch (error) {
    progress.failure = error;
  }
}

/**
 * Yields the records of a JSON document. A malformed or truncated document raises a
 * SourceError(source_format_error) after the records before the fault have been yielded; a
 * well-formed one with nothing at the selected path gives a `no_records` warning.
 */
export async function* jsonRecords(
  input: ByteInput,
  selector: RecordSelector,
  origin: RecordOrigin,
  onWarning?: (warning: RunWarning) => void,
): AsyncGenerator<SourceChunk> {
  const where = describeOrigin(origin);
  const peeked = await peekInput(input);
  if (looksLikeHtml(peeked.head)) {
    throw formatError(`${where}: expected JSON but got an HTML page (an error or login page?)`);
  }
  const progress: InputProgress = { bytes: 0, ended: false };
  let placed = false;
  const values: Readable = pipeline(
    tracked(peeked.input, progress),
    // Parser and pick share one stage; packed values only, streamed chunks would be thrown away.
    pick.withParserAsStream({
      streamValues: false,
      filter: selectorFilter(selector, () => {
        placed = true;
      }),
    }),
    streamValues.asStream(),
    () => {
      // Errors surface through the iteration below; this callback only keeps them from going unhandled.
    },
  );
  const chunk = new ChunkBuilder();
  let failed = false;
  let failure: unknown;
  try {
    for await (const item of values as AsyncIterable<{ value: unknown }>) {
      chunk.record(item.value, origin);
      if (chunk.full) yield chunk.take();
    }
  } catch (error) {
    failed = true;
    failure = error;
  } finally {
    values.destroy();
  }
  // Records read before a fault are handed over before the fault is reported.
  const rest = chunk.take();
  if (rest.length > 0) yield rest;
  if (progress.failure !== undefined) {
    throw asFormatError(progress.failure, (message) => `${where}: ${message}`);
  }
  if (failed) {
    throw asFormatError(failure, (message) => {
      const position = progress.ended
        ? `the document ends early (truncated?) after ${progress.bytes} bytes`
        : `within the first ${progress.bytes} bytes`;
      return `${where} is not valid JSON: ${message}; ${position}`;
    });
  }
  // An empty array at the selected path is an empty answer, not a selector that missed.
  if (!placed && progress.ended) {
    onWarning?.({
      code: 'no_records',
      message: `the selector '${selector.source}' matched nothing in ${where}`,
    });
  }
}

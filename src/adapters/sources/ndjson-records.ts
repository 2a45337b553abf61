// Reads newline-delimited JSON: one value per line; a bad line is a rejected item, not a failed file.
import { type RecordSelector, selectRecords } from '../../domain/record-selector.ts';
import type { RecordOrigin, SourceChunk } from '../../domain/source-item.ts';
import type { RunWarning } from '../../engine/ports.ts';
import { type ByteInput, ChunkBuilder, describeOrigin } from './byte-input.ts';
import { type LineLimitOptions, LineSplitter } from './line-splitter.ts';

/**
 * Yields one record per line (blank lines ignored). The selector applies inside each line's value,
 * so an empty selector turns a line holding an array into one record per element. Lines that parse
 * but hold nothing at the selected path give a `no_records` warning, as a JSON document does.
 */
export async function* ndjsonRecords(
  input: ByteInput,
  selector: RecordSelector,
  origin: RecordOrigin,
  options: LineLimitOptions = {},
  onWarning?: (warning: RunWarning) => void,
): AsyncGenerator<SourceChunk> {
  const chunk = new ChunkBuilder();
  const lines = new LineSplitter(origin, options);
  let line = 0;
  let parsed = 0;
  let placed = 0;

  const handleLine = (raw: string): void => {
    line++;
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
    if (text.trim() === '') return;
    const lineOrigin = { ...origin, line };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      chunk.push({
        kind: 'rejected',
        raw: text,
        issues: [
          {
            path: [],
            code: 'invalid_json',
            message: `line ${line} is not valid JSON: ${(error as Error).message}`,
          },
        ],
        origin: lineOrigin,
      });
      return;
    }
    parsed++;
    for (const record of selectRecords(selector, value)) {
      placed++;
      chunk.record(record, lineOrigin);
    }
  };

  try {
    for await (const bytes of input) {
      for (const text of lines.push(bytes)) {
        handleLine(text);
        if (chunk.full) yield chunk.take();
      }
    }
  } catch (error) {
    // Complete lines read before the input failed are good records; the cut last line is dropped.
    const read = chunk.take();
    if (read.length > 0) yield read;
    throw error;
  }
  const last = lines.end();
  if (last !== undefined) handleLine(last);
  const rest = chunk.take();
  if (rest.length > 0) yield rest;
  if (parsed > 0 && placed === 0) {
    onWarning?.({
      code: 'no_records',
      message: `the selector '${selector.source}' matched nothing in the ${parsed} line(s) of ${describeOrigin(origin)}`,
    });
  }
}

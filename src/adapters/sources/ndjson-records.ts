// Reads newline-delimited JSON: one value per line; a bad line is a rejected item, not a failed file.
import { StringDecoder } from 'node:string_decoder';
import { type RecordSelector, selectRecords } from '../../domain/record-selector.ts';
import type { RecordOrigin, SourceChunk } from '../../domain/source-item.ts';
import { type ByteInput, ChunkBuilder } from './byte-input.ts';

/**
 * Yields one record per line (blank lines ignored). The selector applies inside each line's value,
 * so an empty selector turns a line holding an array into one record per element.
 */
export async function* ndjsonRecords(
  input: ByteInput,
  selector: RecordSelector,
  origin: RecordOrigin,
): AsyncGenerator<SourceChunk> {
  const decoder = new StringDecoder('utf8');
  const chunk = new ChunkBuilder();
  let pending = '';
  let line = 0;

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
    for (const record of selectRecords(selector, value)) chunk.record(record, lineOrigin);
  };

  try {
    for await (const bytes of input) {
      const text = pending + decoder.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        handleLine(text.slice(start, end));
        start = end + 1;
        if (chunk.full) yield chunk.take();
      }
      pending = text.slice(start);
    }
  } catch (error) {
    // Complete lines read before the input failed are good records; the cut last line is dropped.
    const read = chunk.take();
    if (read.length > 0) yield read;
    throw error;
  }
  pending += decoder.end();
  if (pending !== '') handleLine(pending);
  const rest = chunk.take();
  if (rest.length > 0) yield rest;
}

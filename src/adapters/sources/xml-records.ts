// Reads records out of an XML document: parsed whole (the caller bounds its size), then selected.
import { XMLParser } from 'fast-xml-parser';
import { type RecordSelector, selectXmlRecords } from '../../domain/record-selector.ts';
import type { RecordOrigin, SourceChunk } from '../../domain/source-item.ts';
import type { RunWarning } from '../../engine/ports.ts';
import { type ByteInput, ChunkBuilder, describeOrigin, formatError, looksLikeHtml } from './byte-input.ts';

/**
 * Attributes become plain properties (`<Cube currency="USD"/>` → `{ currency: 'USD' }`), element
 * text stays a string (the schema decides types), and namespace prefixes are kept in names, so the
 * ECB daily file's rates sit at `gesmes:Envelope.Cube.Cube.Cube`.
 */
const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  textNodeName: '#text',
});

export function parseXmlDocument(text: string, where: string): unknown {
  try {
    // `true` validates first: the parser alone accepts some broken documents silently.
    return xmlParser.parse(text, true);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw formatError(`${where} is not valid XML: ${detail}`, error);
  }
}

export async function* xmlRecords(
  input: ByteInput,
  selector: RecordSelector,
  origin: RecordOrigin,
  onWarning?: (warning: RunWarning) => void,
): AsyncGenerator<SourceChunk> {
  const where = describeOrigin(origin);
  const parts: Uint8Array[] = [];
  for await (const part of input) parts.push(part);
  const body = Buffer.concat(parts);
  if (looksLikeHtml(body)) throw formatError(`${where}: expected XML but got an HTML page`);
  const document = parseXmlDocument(body.toString('utf8').replace(/^\uFEFF/, ''), where);
  const chunk = new ChunkBuilder();
  let matched = 0;
  for (const record of selectXmlRecords(selector, document)) {
    matched++;
    chunk.record(record, origin);
    if (chunk.full) yield chunk.take();
  }
  if (matched === 0) {
    onWarning?.({
      code: 'no_records',
      message: `the selector '${selector.source}' matched nothing in ${where}`,
    });
  }
  const rest = chunk.take();
  if (rest.length > 0) yield rest;
}

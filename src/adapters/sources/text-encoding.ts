// Text bytes as UTF-8 for the readers: valid UTF-8 passes through checked, a declared legacy
// encoding is converted; invalid bytes fail the read instead of becoming U+FFFD in stored data.
import { isUtf8 } from 'node:buffer';
import { TextEncodingName as Encoding, type TextEncodingName } from '../../domain/text-encoding.ts';
import { type ByteInput, formatError } from './byte-input.ts';

const NEWLINE = 0x0a;

/** How many bytes at the end of `bytes` start a UTF-8 sequence that the next chunk completes. */
function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

/** The offset of the first byte that does not begin a valid UTF-8 sequence (error path only). */
function firstInvalid(bytes: Uint8Array): number {
  let at = 0;
  while (at < bytes.length) {
    const byte = bytes[at] as number;
    const length =
      byte < 0x80
        ? 1
        : byte >= 0xc2 && byte < 0xe0
          ? 2
          : byte >= 0xe0 && byte < 0xf0
            ? 3
            : byte >= 0xf0 && byte < 0xf5
              ? 4
              : 0;
    if (length === 0 || !isUtf8(bytes.subarray(at, at + length))) return at;
    at += length;
  }
  return bytes.length;
}

function countLines(bytes: Uint8Array, end: number): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, end);
  let lines = 0;
  for (let at = buffer.indexOf(NEWLINE); at !== -1; at = buffer.indexOf(NEWLINE, at + 1)) lines++;
  return lines;
}

/**
 * `input` as UTF-8 bytes. For `utf-8` every byte is checked (carrying a sequence split between
 * chunks) and the first invalid one fails the read naming `where`, its line and the option that
 * declares another encoding. Other encodings are decoded and re-encoded as UTF-8.
 */
export async function* asUtf8(input: ByteInput, encoding: TextEncodingName, where: string): ByteInput {
  if (encoding !== Encoding.utf8) {
    const decoder = new TextDecoder(encoding);
    for await (const chunk of input) {
      const text = decoder.decode(chunk, { stream: true });
      if (text !== '') yield Buffer.from(text, 'utf8');
    }
    const rest = decoder.decode();
    if (rest !== '') yield Buffer.from(rest, 'utf8');
    return;
  }
  let carried: Uint8Array = new Uint8Array(0);
  let lines = 0;
  let offset = 0;
  const invalid = (bytes: Uint8Array, atEnd = false) => {
    const at = firstInvalid(bytes);
    const byte = bytes[at] ?? 0;
    const shown = atEnd
      ? `an incomplete character at the end, offset ${offset + at}`
      : `byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at offset ${offset + at}`;
    return formatError(
      `${where}: line ${lines + countLines(bytes, at) + 1} is not valid UTF-8 (${shown}); ` +
        `if the data is in another encoding, set the source option encoding: 'latin1', 'windows-1252' or 'utf-16le'`,
    );
  };
  for await (const chunk of input) {
    const bytes = carried.length === 0 ? chunk : Buffer.concat([carried, chunk]);
    const complete = bytes.length - incompleteTail(bytes);
    const head = bytes.subarray(0, complete);
    if (!isUtf8(head)) {
      // The lines before the bad one are read first, as after any failure mid-file.
      const line = Buffer.from(head.buffer, head.byteOffset, firstInvalid(head)).lastIndexOf(NEWLINE);
      if (line >= 0) yield head.subarray(0, line + 1);
      throw invalid(head);
    }
    lines += countLines(head, head.length);
    offset += head.length;
    carried = bytes.subarray(complete);
    if (head.length > 0) yield head;
  }
  if (carried.length > 0) throw invalid(carried, true);
}

/** Charsets a Content-Type may name, by their WHATWG labels, and the encoding that reads them. */
const CHARSETS: Record<string, TextEncodingName> = {
  'utf-8': Encoding.utf8,
  utf8: Encoding.utf8,
  'iso-8859-1': Encoding.latin1,
  latin1: Encoding.latin1,
  'windows-1252': Encoding.windows1252,
  cp1252: Encoding.windows1252,
  'utf-16le': Encoding.utf16le,
};

/** The encoding a Content-Type's `charset=` names, when sluice reads it; otherwise undefined. */
export function charsetOf(contentType: string): TextEncodingName | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match ? CHARSETS[(match[1] ?? '').toLowerCase()] : undefined;
}

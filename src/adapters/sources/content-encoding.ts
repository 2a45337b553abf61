// Decodes a response body by its Content-Encoding (gzip, deflate, br), capped at maxBytes once decoded.
import { pipeline, Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { isSluiceError } from '../../domain/errors.ts';
import { type ByteInput, formatError } from './byte-input.ts';

const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** The codings of a Content-Encoding header, in the order the server applied them. */
export function parseContentEncoding(header: string): string[] {
  return header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
}

async function* decodeOne(input: ByteInput, coding: string, shown: string): ByteInput {
  const create = DECODERS[coding];
  if (!create) {
    throw formatError(
      `${shown}: the body has Content-Encoding "${coding}", which sluice cannot decode (it reads ${Object.keys(DECODERS).join(', ')})`,
    );
  }
  // pipeline() carries a failure of the input (a timeout, maxBytes) into the decoder as it is.
  const decoded = pipeline(Readable.from(input), create(), () => {});
  try {
    yield* decoded as AsyncIterable<Buffer>;
  } catch (error) {
    if (isSluiceError(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw formatError(
      `${shown}: the body is declared Content-Encoding: ${coding} but is not valid ${coding} data (${reason})`,
      error,
    );
  } finally {
    decoded.destroy();
  }
}

/**
 * The body as the server meant it: each coding undone, last applied first. The decoded size is
 * capped too, so a small compressed body cannot expand past maxBytes.
 */
export async function* decodeContent(
  input: ByteInput,
  header: string,
  maxBytes: number,
  shown: string,
): ByteInput {
  const codings = parseContentEncoding(header);
  if (codings.length === 0) {
    yield* input;
    return;
  }
  let decoded = input;
  for (const coding of codings.reverse()) decoded = decodeOne(decoded, coding, shown);
  let total = 0;
  for await (const chunk of decoded) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      throw formatError(`${shown}: the decoded response body is larger than maxBytes (${maxBytes} bytes)`);
    }
    yield chunk;
  }
}

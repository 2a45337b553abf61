// JSON text that Postgres jsonb accepts for any value a source may hand us.

// JSON.stringify writes NUL and lone surrogates (never paired ones) as \u escapes; jsonb refuses both.
const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi;

/**
 * jsonb refuses the \u0000 escape and unpaired surrogates (U+FFFD stands in for them: use
 * `encodeTagged` first where the exact text matters); bigint and Date need explicit forms.
 */
export function toJsonb(value: unknown): string {
  const text = JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'bigint' ? inner.toString() : inner,
  );
  if (text === undefined) return 'null';
  return text.includes('\\u') ? text.replace(UNSTORABLE_ESCAPE, '$1\\ufffd') : text;
}

const TAG = '$sluice';

/** jsonb refuses \u0000 and unpaired surrogates, in values and in keys alike. */
function unstorable(text: string): boolean {
  return text.includes('\u0000') || !text.isWellFormed();
}

function codeUnits(text: string): string {
  let hex = '';
  for (let index = 0; index < text.length; index++) {
    hex += text.charCodeAt(index).toString(16).padStart(4, '0');
  }
  return hex;
}

function fromCodeUnits(hex: string): string {
  let text = '';
  for (let index = 0; index < hex.length; index += 4) {
    text += String.fromCharCode(Number.parseInt(hex.slice(index, index + 4), 16));
  }
  return text;
}

/**
 * A JSON form of a value that keeps what JSON cannot say: NaN, ±Infinity, -0, undefined, Date,
 * bigint, bytes (Uint8Array, Buffer) and strings jsonb refuses (NUL, unpaired surrogates) become
 * `{"$sluice": kind, "value"?: …}`; an object that has a `$sluice` key itself is wrapped as
 * `{"$sluice": "object", "value": …}`, one with a key jsonb refuses is kept as
 * `{"$sluice": "entries", "value": [[key, value], …]}`. Plain JSON values stay as they are.
 */
export function encodeTagged(value: unknown): unknown {
  if (value === undefined) return { [TAG]: 'undefined' };
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { [TAG]: 'NaN' };
    if (value === Number.POSITIVE_INFINITY) return { [TAG]: 'Infinity' };
    if (value === Number.NEGATIVE_INFINITY) return { [TAG]: '-Infinity' };
    if (Object.is(value, -0)) return { [TAG]: '-0' };
    return value;
  }
  if (typeof value === 'string') {
    return unstorable(value) ? { [TAG]: 'string', value: codeUnits(value) } : value;
  }
  if (typeof value === 'bigint') return { [TAG]: 'bigint', value: value.toString() };
  if (value instanceof Date) {
    return { [TAG]: 'Date', value: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  }
  if (value instanceof Uint8Array) {
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return { [TAG]: Buffer.isBuffer(value) ? 'Buffer' : 'Uint8Array', value: bytes.toString('base64') };
  }
  if (Array.isArray(value)) return value.map(encodeTagged);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, inner]) => [key, encodeTagged(inner)] as const);
    if (entries.some(([key]) => unstorable(key))) {
      return { [TAG]: 'entries', value: entries.map(([key, inner]) => [encodeTagged(key), inner]) };
    }
    const encoded = Object.fromEntries(entries);
    return Object.hasOwn(value, TAG) ? { [TAG]: 'object', value: encoded } : encoded;
  }
  return value;
}

/** The inverse of encodeTagged. */
export function decodeTagged(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeTagged);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const tag = object[TAG];
  if (typeof tag === 'string') {
    switch (tag) {
      case 'undefined':
        return undefined;
      case 'NaN':
        return Number.NaN;
      case 'Infinity':
        return Number.POSITIVE_INFINITY;
      case '-Infinity':
        return Number.NEGATIVE_INFINITY;
      case '-0':
        return -0;
      case 'string':
        return fromCodeUnits(String(object.value));
      case 'Buffer':
        return Buffer.from(String(object.value), 'base64');
      case 'Uint8Array':
        return new Uint8Array(Buffer.from(String(object.value), 'base64'));
      case 'entries':
        return Object.fromEntries(
          (object.value as Array<[unknown, unknown]>).map(([key, inner]) => [
            String(decodeTagged(key)),
            decodeTagged(inner),
          ]),
        );
      case 'bigint':
        return BigInt(String(object.value));
      case 'Date':
        return new Date(object.value === null ? Number.NaN : String(object.value));
      case 'object':
        return Object.fromEntries(
          Object.entries((object.value ?? {}) as Record<string, unknown>).map(([key, inner]) => [
            key,
            decodeTagged(inner),
          ]),
        );
    }
  }
  return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, decodeTagged(inner)]));
}

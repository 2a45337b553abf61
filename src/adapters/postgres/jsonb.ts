// JSON text that Postgres jsonb accepts for any value a source may hand us.

/** jsonb refuses the \u0000 escape; bigint and Date need explicit forms. */
export function toJsonb(value: unknown): string {
  const text = JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'bigint' ? inner.toString() : inner,
  );
  if (text === undefined) return 'null';
  return text.includes('\\u0000') ? text.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd') : text;
}

const TAG = '$sluice';

/**
 * A JSON form of a value that keeps what JSON cannot say: NaN, ±Infinity, undefined, Date and
 * bigint become `{"$sluice": kind, "value"?: …}`; an object that has a `$sluice` key itself is
 * wrapped as `{"$sluice": "object", "value": …}`. Plain JSON values stay as they are.
 */
export function encodeTagged(value: unknown): unknown {
  if (value === undefined) return { [TAG]: 'undefined' };
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return { [TAG]: 'NaN' };
    if (value === Number.POSITIVE_INFINITY) return { [TAG]: 'Infinity' };
    if (value === Number.NEGATIVE_INFINITY) return { [TAG]: '-Infinity' };
    return value;
  }
  if (typeof value === 'bigint') return { [TAG]: 'bigint', value: value.toString() };
  if (value instanceof Date) {
    return { [TAG]: 'Date', value: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  }
  if (Array.isArray(value)) return value.map(encodeTagged);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, inner]) => [key, encodeTagged(inner)] as const);
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

// JSON text that Postgres jsonb accepts for any value a source may hand us.

/** jsonb refuses the \u0000 escape; bigint and Date need explicit forms. */
export function toJsonb(value: unknown): string {
  const text = JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'bigint' ? inner.toString() : inner,
  );
  if (text === undefined) return 'null';
  return text.includes('\\u0000') ? text.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd') : text;
}

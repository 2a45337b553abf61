// Parallel arrays → rows: Open-Meteo's `hourly: { time: [...], temperature_2m: [...] }` and Yahoo's
// `timestamp` beside `indicators.quote[0].close` are one column per array, one row per index.

/**
 * One row per index of the longest array, keyed by column name. A column shorter than the
 * longest, or one that is not an array at all, gives `undefined` there instead of shifting the
 * rows: the schema then rejects the row with its index rather than pairing a value with the
 * wrong time. Rows come in the arrays' order.
 */
export function unzipColumns(columns: Readonly<Record<string, unknown>>): Array<Record<string, unknown>> {
  const arrays = Object.entries(columns).map(
    ([name, values]) => [name, Array.isArray(values) ? values : []] as const,
  );
  const length = Math.max(0, ...arrays.map(([, values]) => values.length));
  return Array.from({ length }, (_, index) =>
    Object.fromEntries(arrays.map(([name, values]) => [name, values[index]])),
  );
}

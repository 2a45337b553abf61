// Where records sit inside a JSON document: a dotted path with `*` wildcards, e.g. "hourly.*".

export type SelectorSegment = string | number | '*';

export interface RecordSelector {
  readonly source: string;
  readonly segments: readonly SelectorSegment[];
}

/** An empty selector means the document itself (an array of records or one record). */
export function parseSelector(source: string | undefined): RecordSelector {
  const trimmed = (source ?? '').trim().replace(/^\$\.?/, '');
  if (trimmed === '') return { source: '', segments: [] };
  const segments = trimmed.split('.').map((segment): SelectorSegment => {
    if (segment === '') throw new TypeError(`records selector "${source}" has an empty segment`);
    if (segment === '*' || segment === '[*]') return '*';
    return /^\d+$/.test(segment) ? Number(segment) : segment;
  });
  return { source: trimmed, segments };
}

function segmentMatches(segment: SelectorSegment, key: string | number | null): boolean {
  if (segment === '*') return true;
  if (typeof segment === 'number') return key === segment;
  return key === segment;
}

/** True when a path (object keys and array indexes from the root) is exactly the selector. */
export function selectorMatches(
  selector: RecordSelector,
  path: readonly (string | number | null)[],
): boolean {
  if (path.length !== selector.segments.length) return false;
  return selector.segments.every((segment, index) => segmentMatches(segment, path[index] ?? null));
}

/**
 * Applies the selector to an in-memory document: arrays at the selected place give one record
 * per element, anything else is one record.
 */
export function* selectRecords(selector: RecordSelector, document: unknown): Generator<unknown> {
  yield* walk(selector.segments, 0, document);
}

function* walk(segments: readonly SelectorSegment[], depth: number, value: unknown): Generator<unknown> {
  if (depth === segments.length) {
    if (Array.isArray(value)) yield* value;
    else if (value !== undefined) yield value;
    return;
  }
  const segment = segments[depth] as SelectorSegment;
  if (value === null || typeof value !== 'object') return;
  if (segment === '*') {
    const children = Array.isArray(value) ? value : Object.values(value);
    for (const child of children) yield* walk(segments, depth + 1, child);
    return;
  }
  const child = (value as Record<string | number, unknown>)[segment];
  yield* walk(segments, depth + 1, child);
}

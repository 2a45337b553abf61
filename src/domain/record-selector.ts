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

/** The key under which an XML record carries its parent element's attributes (and that one's, nested). */
export const PARENT_KEY = '$parent';

/**
 * XML selection: an element that repeats is an array and one that does not is an object, so a
 * named segment steps into every element of an array as well ("a single child comes back as an
 * object"). Each selected record that is an object gets `$parent`: the attributes and text of the
 * element that holds it (its own `$parent` above that), so a transform can read, say, the `time`
 * of the ECB `Cube` that holds the currency rows.
 */
export function* selectXmlRecords(selector: RecordSelector, document: unknown): Generator<unknown> {
  yield* walkXml(selector.segments, 0, document, undefined);
}

type XmlParent = Record<string, unknown> | undefined;

/** The scalar properties of an element (attributes, text), without its child elements. */
function ownValues(element: Record<string, unknown>, parent: XmlParent): XmlParent {
  const values: Record<string, unknown> = {};
  let own = 0;
  for (const [key, value] of Object.entries(element)) {
    if (value === null || typeof value !== 'object') {
      values[key] = value;
      own++;
    }
  }
  // A wrapper element with no attributes of its own adds no level.
  if (own === 0) return parent;
  if (parent) values[PARENT_KEY] = parent;
  return values;
}

function* walkXml(
  segments: readonly SelectorSegment[],
  depth: number,
  value: unknown,
  parent: XmlParent,
): Generator<unknown> {
  if (Array.isArray(value)) {
    for (const element of value) yield* walkXml(segments, depth, element, parent);
    return;
  }
  if (depth === segments.length) {
    if (value === undefined) return;
    yield value !== null && typeof value === 'object' && parent ? { ...value, [PARENT_KEY]: parent } : value;
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const element = value as Record<string, unknown>;
  const segment = segments[depth] as SelectorSegment;
  // The root's context is not a parent worth carrying; below it, each level keeps its own values.
  const context = depth === 0 ? undefined : ownValues(element, parent);
  const children =
    segment === '*'
      ? Object.values(element).filter((child) => child !== null && typeof child === 'object')
      : [element[segment]];
  for (const child of children) yield* walkXml(segments, depth + 1, child, context);
}

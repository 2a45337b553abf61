// Repeated XML elements → flat rows that carry the values of the elements around them (ECB's
// `Cube time` → `Cube currency rate`), from the document an http({ format: 'xml' }) source yields.
import { parseSelector, type SelectorSegment } from '../../domain/record-selector.ts';

/** Namespace declarations are how the document is written, not data: no row carries them. */
const isNamespaceDeclaration = (name: string): boolean => name === 'xmlns' || name.startsWith('xmlns:');

type Values = Record<string, unknown>;

const isElement = (value: unknown): value is Values => typeof value === 'object' && value !== null;

/** An element's attributes and text (its scalar properties), without namespace declarations. */
function scalarsOf(element: Values): Values {
  return Object.fromEntries(
    Object.entries(element).filter(([name, value]) => !isElement(value) && !isNamespaceDeclaration(name)),
  );
}

function walk(
  segments: readonly SelectorSegment[],
  depth: number,
  value: unknown,
  context: Values,
  rows: Values[],
): void {
  // A repeated element is an array, a single one an object: both are "every element of that name".
  if (Array.isArray(value)) {
    for (const element of value) walk(segments, depth, element, context, rows);
    return;
  }
  if (depth === segments.length) {
    if (value === undefined || value === null || value === '') return;
    if (!isElement(value)) {
      rows.push({ ...context, '#text': value });
      return;
    }
    const own = Object.fromEntries(Object.entries(value).filter(([name]) => !isNamespaceDeclaration(name)));
    rows.push({ ...context, ...own });
    return;
  }
  if (!isElement(value)) return;
  const segment = segments[depth] as SelectorSegment;
  // The nearer level overrides the farther one. A text-only child is a scalar like an attribute
  // (`<c>t3</c>` → `c: 't3'`): the one stepped into is the row, not its own context.
  const { [String(segment)]: _stepped, ...scalars } = scalarsOf(value);
  const inner = { ...context, ...scalars };
  const children = segment === '*' ? Object.values(value).filter(isElement) : [value[segment]];
  for (const child of children) walk(segments, depth + 1, child, inner, rows);
}

/**
 * One row per element at `path` (dotted element names from the root, namespace prefixes kept,
 * `*` for any element: `'gesmes:Envelope.Cube.Cube.Cube'`), in document order. A named step goes
 * into every element of that name whether it repeats (an array) or occurs once (an object:
 * fast-xml-parser gives a single child no array), so a day with one currency or a history with one
 * day is no special case.
 *
 * Each row is the element's attributes and text (`#text`) plus the attributes and text of every
 * element above it that has some (`time` of the ECB day's `Cube`). A name present at several levels
 * keeps the nearest value: the element's own, then its parent's, and so on. Child elements of the
 * selected element stay as they are; namespace declarations are left out. An element holding only
 * text gives `{ '#text': … }`. Values stay strings: the transform and the schema decide types.
 *
 * `document` is what an http() source with `format: 'xml'` and no `records` yields (attributes as
 * plain properties, text as `#text`); a path that is not there gives no rows.
 */
export function xmlRows(document: unknown, path: string): Values[] {
  const rows: Values[] = [];
  walk(parseSelector(path).segments, 0, document, {}, rows);
  return rows;
}

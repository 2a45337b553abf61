// Key sets: the stored keys of a key dimension (`sites` with their beacon ids), how a config
// declares them, and the validation of keys before they are stored.
import { ConfigError, NotFoundError, UsageError } from './errors.ts';
import { isIdentifier } from './identifier.ts';
import { assertKnownKeys, closestMatch, optionKeys } from './option-keys.ts';
import {
  isAttributeName,
  isKeyValue,
  KEY_VALUE_RULE,
  type KeyEntry,
  KeySource,
  type ResolvedPartitioning,
} from './partition-definition.ts';

export interface KeySetDefinition {
  /** A `.json` or `.csv` file of keys, relative to the config, that `sluice seed` loads. */
  seed?: string;
  description?: string;
}

export interface ResolvedKeySet {
  readonly name: string;
  /** As declared until the config is loaded; then an absolute path. */
  readonly seed: string | undefined;
  readonly description: string | undefined;
}

export const SeedFormat = { json: 'json', csv: 'csv' } as const;
export type SeedFormat = (typeof SeedFormat)[keyof typeof SeedFormat];

/** What a write did to a key set, as PostgreSQL reported it. */
export interface KeySetChange {
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
}

const DECLARATION_KEYS = optionKeys<KeySetDefinition>({ seed: true, description: true });
// The nested layout's entry fields; attributes are free-form in both layouts.
const NESTED_ENTRY_FIELDS = ['key', 'attributes'] as const;
const EXAMPLE = "{ sites: { seed: 'seeds/sites.json' } }";

/** The format a seed file's extension says, or undefined when it is neither JSON nor CSV. */
export function seedFormatOf(path: string): SeedFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.json')) return SeedFormat.json;
  if (lower.endsWith('.csv')) return SeedFormat.csv;
  return undefined;
}

/** Validates `defineConfig({ keySets })`. Throws a ConfigError naming the key set and the field. */
export function parseKeySetDeclarations(input: unknown): Map<string, ResolvedKeySet> {
  const declared = new Map<string, ResolvedKeySet>();
  if (input === undefined) return declared;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError(`keySets must be an object such as ${EXAMPLE}`);
  }
  for (const [name, value] of Object.entries(input)) {
    if (!isIdentifier(name)) {
      throw new ConfigError(
        `keySets: key set name "${name}" is not valid: use lower-case letters, digits and underscores, ` +
          'starting with a letter or underscore (e.g. "sites")',
      );
    }
    const where = `keySets.${name}`;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigError(`${where} must be an object such as { seed: 'seeds/${name}.json' } or {}`);
    }
    const fields = value as Record<string, unknown>;
    assertKnownKeys(where, fields, DECLARATION_KEYS);
    const { seed, description } = fields;
    if (seed !== undefined && (typeof seed !== 'string' || seedFormatOf(seed) === undefined)) {
      throw new ConfigError(
        `${where}.seed must be the path of a .json or .csv file relative to the config, got ${JSON.stringify(seed)}`,
      );
    }
    if (description !== undefined && typeof description !== 'string')
      throw new ConfigError(`${where}.description must be a string`);
    declared.set(name, { name, seed, description });
  }
  return declared;
}

/** The key sets a partitioning reads, in declaration order and without repeats. */
export function keySetNamesOf(partitioning: ResolvedPartitioning | undefined): string[] {
  const names = (partitioning?.keys ?? []).flatMap((dimension) =>
    dimension.source === KeySource.keySet ? [dimension.keySet] : [],
  );
  return [...new Set(names)];
}

/** A pipeline may only read declared key sets; throws a ConfigError saying how to declare one. */
export function assertKeySetsDeclared(
  pipeline: string,
  partitioning: ResolvedPartitioning | undefined,
  declared: ReadonlyMap<string, ResolvedKeySet>,
): void {
  for (const dimension of partitioning?.keys ?? []) {
    if (dimension.source !== KeySource.keySet || declared.has(dimension.keySet)) continue;
    const known = [...declared.keys()];
    throw new ConfigError(
      `pipeline "${pipeline}": partitions dimension "${dimension.name}" reads key set "${dimension.keySet}", ` +
        `which is not declared (${known.length > 0 ? `declared: ${known.join(', ')}` : 'no key sets are declared'}); ` +
        `declare it with defineConfig({ keySets: { ${dimension.keySet}: { seed: 'seeds/${dimension.keySet}.json' } } })`,
    );
  }
}

/** A declared key set by name; a NotFoundError lists the declared ones. */
export function declaredKeySet(name: string, declared: ReadonlyMap<string, ResolvedKeySet>): ResolvedKeySet {
  const found = declared.get(name);
  if (found) return found;
  const known = [...declared.keys()];
  throw new NotFoundError(
    `key set "${name}" is not declared in the config ` +
      `(${known.length > 0 ? `declared: ${known.join(', ')}` : 'no key sets are declared; add defineConfig({ keySets: { … } })'})`,
  );
}

export const KeySetIssueCode = {
  notAnObject: 'not_an_object',
  unknownField: 'unknown_field',
  invalidKey: 'invalid_key',
  duplicateKey: 'duplicate_key',
  invalidAttributeName: 'invalid_attribute_name',
  invalidAttributeValue: 'invalid_attribute_value',
} as const;
export type KeySetIssueCode = (typeof KeySetIssueCode)[keyof typeof KeySetIssueCode];

export interface KeySetIssue {
  readonly code: KeySetIssueCode;
  /** Where the entry came from: `seeds/sites.csv line 4`, `keys[2]`. */
  readonly at: string;
  /** The field: `key`, an attribute name, or `attributes.<name>` in the nested layout. */
  readonly field: string | undefined;
  readonly message: string;
}

/**
 * How entries are shaped: `flat` is a seed file's `{ key, romma_id, … }` (a CSV row too), `nested`
 * is the API's `{ key, attributes: { romma_id, … } }`.
 */
export type KeyEntryLayout = 'flat' | 'nested';

export type ParsedKeyEntries =
  | { readonly ok: true; readonly entries: KeyEntry[] }
  | { readonly ok: false; readonly issues: KeySetIssue[] };

export interface ParseKeyEntriesOptions {
  layout: KeyEntryLayout;
  /** Names entry `index` for messages: `line ${index + 2}` for a CSV with a header row. */
  locate: (index: number) => string;
}

/**
 * Checks keys before they are stored: each key fits in a partition key and a URL path segment
 * (see KEY_VALUE_RULE) and appears once, attribute names are identifiers (`{{site.romma_id}}`), and values are
 * strings, finite numbers or booleans, stored as strings. Returns every issue, not just the first.
 */
export function parseKeySetEntries(
  items: readonly unknown[],
  options: ParseKeyEntriesOptions,
): ParsedKeyEntries {
  const issues: KeySetIssue[] = [];
  const entries: KeyEntry[] = [];
  const seen = new Map<string, string>();
  items.forEach((item, index) => {
    const at = options.locate(index);
    const issue = (code: KeySetIssueCode, field: string | undefined, message: string) =>
      issues.push({ code, at, field, message });
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      issue(KeySetIssueCode.notAnObject, undefined, `must be an object with a "key", got ${describe(item)}`);
      return;
    }
    const { key, ...rest } = item as Record<string, unknown>;
    let raw: Record<string, unknown> = rest;
    let prefix = '';
    if (options.layout === 'nested') {
      const { attributes, ...others } = rest;
      for (const name of Object.keys(others))
        issue(KeySetIssueCode.unknownField, name, unknownFieldMessage(name));
      if (
        attributes !== undefined &&
        (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes))
      ) {
        issue(KeySetIssueCode.notAnObject, 'attributes', `must be an object, got ${describe(attributes)}`);
        return;
      }
      raw = (attributes ?? {}) as Record<string, unknown>;
      prefix = 'attributes.';
    }
    if (typeof key !== 'string' || !isKeyValue(key)) {
      issue(
        KeySetIssueCode.invalidKey,
        'key',
        `must be a non-empty string ${KEY_VALUE_RULE.replace(/^non-empty /, '')}, got ${describe(key)}`,
      );
    } else if (seen.has(key)) {
      issue(KeySetIssueCode.duplicateKey, 'key', `"${key}" is also at ${seen.get(key)}; keys must be unique`);
    } else {
      seen.set(key, at);
    }
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(raw)) {
      const field = `${prefix}${name}`;
      if (!isAttributeName(name)) {
        issue(
          KeySetIssueCode.invalidAttributeName,
          field,
          'attribute names are letters, digits and underscores, not starting with a digit',
        );
      } else if (
        typeof value === 'string' ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value))
      ) {
        // Defined, not assigned: an attribute named "__proto__" must stay an attribute.
        Object.defineProperty(attributes, name, { value: String(value), enumerable: true, writable: true });
      } else {
        issue(
          KeySetIssueCode.invalidAttributeValue,
          field,
          `must be a string, a number or a boolean (flatten nested values, omit missing ones), got ${describe(value)}`,
        );
      }
    }
    if (typeof key === 'string') entries.push({ key, attributes });
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, entries };
}

function unknownFieldMessage(name: string): string {
  const suggestion = closestMatch(name, NESTED_ENTRY_FIELDS);
  return suggestion === undefined
    ? `is not a known field (valid fields: ${NESTED_ENTRY_FIELDS.map((field) => `"${field}"`).join(', ')})`
    : `is not a known field (did you mean "${suggestion}"?)`;
}

export function describeKeySetIssue(issue: KeySetIssue): string {
  return `${issue.at}${issue.field === undefined ? '' : `, field "${issue.field}"`}: ${issue.message}`;
}

/** Entries, or a UsageError listing the first issues under `what` (a file, a request body). */
export function assertKeySetEntries(
  what: string,
  items: readonly unknown[],
  options: ParseKeyEntriesOptions,
  max = 10,
): KeyEntry[] {
  const parsed = parseKeySetEntries(items, options);
  if (parsed.ok) return parsed.entries;
  const shown = parsed.issues.slice(0, max).map(describeKeySetIssue);
  const more = parsed.issues.length > max ? `\n  … and ${parsed.issues.length - max} more` : '';
  const count = parsed.issues.length === 1 ? '1 problem' : `${parsed.issues.length} problems`;
  throw new UsageError(
    `${what} is not valid (${count}; nothing was changed):\n  ${shown.join('\n  ')}${more}`,
  );
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

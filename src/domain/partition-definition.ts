// What a pipeline's partitions are: time and key dimension declarations, their validation and resolution.
import { ConfigError } from './errors.ts';
import { assertKnownKeys, optionKeys } from './option-keys.ts';
import {
  addDays,
  instantOfLocal,
  type LocalDate,
  PartitionEvery,
  type TimeWindowSpec,
} from './partition-window.ts';
import { assertTimezone } from './schedule-definition.ts';

/** Which time window a schedule tick processes. */
export const TickTarget = {
  /** The last complete window before the tick: yesterday for a daily job. */
  previous: 'previous',
  /** The window containing the tick, still in progress. */
  current: 'current',
} as const;
export type TickTarget = (typeof TickTarget)[keyof typeof TickTarget];

/** Where a key dimension's values come from. */
export const KeySource = {
  static: 'static',
  keySet: 'key_set',
} as const;
export type KeySource = (typeof KeySource)[keyof typeof KeySource];

export interface TimePartitionDefinition {
  every: PartitionEvery;
  /** `YYYY-MM-DD` (local midnight), `YYYY-MM-DDTHH:mm` (local) or an ISO instant with `Z`/offset. */
  start: string | Date;
  /** A date is inclusive (the whole day is covered); a time or instant is exclusive. Open when absent. */
  end?: string | Date;
  /** IANA zone the windows are aligned in. @defaultValue 'UTC' */
  timezone?: string;
}

export type KeyAttributeValue = string | number | boolean;
export type KeyEntryDefinition = { key: string } & Record<string, KeyAttributeValue>;

export interface StaticKeysDefinition {
  name: string;
  values: readonly (string | KeyEntryDefinition)[];
  keySet?: never;
}

export interface StoredKeysDefinition {
  name: string;
  /** A key set stored in the database (`sluice keys`); read when partitions are listed. */
  keySet: string;
  values?: never;
}

export type KeysDefinition = StaticKeysDefinition | StoredKeysDefinition;

export interface PartitionsDefinition {
  time?: TimePartitionDefinition;
  /** One key dimension or several; the partitions are the product of all dimensions. */
  keys?: KeysDefinition | readonly KeysDefinition[];
  /** @defaultValue 'previous' */
  tickTarget?: TickTarget;
}

export const partitionDefaults = {
  timezone: 'UTC',
  tickTarget: TickTarget.previous,
} as const satisfies { timezone: string; tickTarget: TickTarget };

/** One key with its attributes as template strings (`{{site.romma_id}}`). */
export interface KeyEntry {
  readonly key: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface TimeDimension extends TimeWindowSpec {
  readonly kind: 'time';
  readonly name: 'time';
}

export interface StaticKeyDimension {
  readonly kind: 'keys';
  readonly name: string;
  readonly source: typeof KeySource.static;
  readonly entries: readonly KeyEntry[];
  /** Every attribute name any entry has, sorted. */
  readonly attributes: readonly string[];
}

export interface StoredKeyDimension {
  readonly kind: 'keys';
  readonly name: string;
  readonly source: typeof KeySource.keySet;
  readonly keySet: string;
}

export type KeyDimension = StaticKeyDimension | StoredKeyDimension;
export type PartitionDimension = TimeDimension | KeyDimension;

export interface ResolvedPartitioning {
  readonly pipeline: string;
  /** Time first when present, then key dimensions in declaration order; partition keys follow it. */
  readonly dimensions: readonly PartitionDimension[];
  readonly time: TimeDimension | undefined;
  readonly keys: readonly KeyDimension[];
  readonly tickTarget: TickTarget;
}

// Names the partition parameters already use; a dimension cannot shadow them.
const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'time',
  'key',
  'start',
  'end',
  'start_date',
  'end_date',
]);
const PARTITIONS_KEYS = optionKeys<PartitionsDefinition>({ time: true, keys: true, tickTarget: true });
const TIME_KEYS = optionKeys<TimePartitionDefinition>({
  every: true,
  start: true,
  end: true,
  timezone: true,
});
const KEYS_KEYS = optionKeys<StaticKeysDefinition>({ name: true, values: true, keySet: true });
const EVERY_VALUES: ReadonlySet<string> = new Set(Object.values(PartitionEvery));
const TICK_VALUES: ReadonlySet<string> = new Set(Object.values(TickTarget));
const DIMENSION_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const ATTRIBUTE_NAME = /^[A-Za-z_]\w*$/;
// `|`, `=` and `,` delimit partition keys and `--keys` filters. Keys become URL path segments
// (`/sites/{{site}}`): `/` and `\\` would add one, and a key of dots alone would climb a level,
// which percent-encoding cannot prevent (URL parsers read `%2E%2E` as `..` too).
const KEY_VALUE = /^[^\s\p{Cc}|=,/\\]+$/u;
const DOTS_ONLY = /^\.+$/;

/** What a key must be, for error messages. */
export const KEY_VALUE_RULE =
  "non-empty without spaces, control characters, '|', '=', ',', '/' or '\\', and not only dots";

/** Whether `key` can be a key of a key dimension (static or stored): it must fit in a partition key. */
export function isKeyValue(key: string): boolean {
  return KEY_VALUE.test(key) && !DOTS_ONLY.test(key);
}

/** Whether `name` can name a key attribute (`{{site.romma_id}}`). */
export function isAttributeName(name: string): boolean {
  return ATTRIBUTE_NAME.test(name);
}

/**
 * Validates a pipeline's `partitions` declaration and applies the defaults.
 * Throws a ConfigError naming the pipeline and the field.
 */
export function parsePartitions(pipelineName: string, input: unknown): ResolvedPartitioning {
  const where = `pipeline "${pipelineName}": partitions`;
  const fields = asObject(where, input, "{ time: { every: 'daily', start: '2025-01-01' } }");
  assertKnownKeys(where, fields, PARTITIONS_KEYS);
  const time = fields.time === undefined ? undefined : parseTime(`${where}.time`, fields.time);
  const keys = parseKeyDimensions(`${where}.keys`, fields.keys);
  if (!time && keys.length === 0) {
    throw new ConfigError(`${where} must declare time, keys or both`);
  }
  let tickTarget: TickTarget = partitionDefaults.tickTarget;
  if (fields.tickTarget !== undefined) {
    if (typeof fields.tickTarget !== 'string' || !TICK_VALUES.has(fields.tickTarget)) {
      throw new ConfigError(
        `${where}.tickTarget must be ${[...TICK_VALUES].map((v) => `'${v}'`).join(' or ')}, got ${describe(fields.tickTarget)}`,
      );
    }
    tickTarget = fields.tickTarget as TickTarget;
  }
  const dimensions: PartitionDimension[] = time ? [time, ...keys] : [...keys];
  return { pipeline: pipelineName, dimensions, time, keys, tickTarget };
}

function parseTime(where: string, input: unknown): TimeDimension {
  const fields = asObject(where, input, "{ every: 'daily', start: '2025-01-01', timezone: 'Europe/Paris' }");
  assertKnownKeys(where, fields, TIME_KEYS);
  if (typeof fields.every !== 'string' || !EVERY_VALUES.has(fields.every)) {
    throw new ConfigError(
      `${where}.every must be one of ${[...EVERY_VALUES].map((v) => `'${v}'`).join(', ')}, got ${describe(fields.every)}`,
    );
  }
  const timezone =
    fields.timezone === undefined
      ? partitionDefaults.timezone
      : assertTimezone(`${where}.timezone`, fields.timezone);
  if (fields.start === undefined) throw new ConfigError(`${where}.start is required (e.g. '2025-01-01')`);
  const start = parseBoundary(`${where}.start`, fields.start, timezone, 'start');
  const end =
    fields.end === undefined ? undefined : parseBoundary(`${where}.end`, fields.end, timezone, 'end');
  if (end && end.getTime() <= start.getTime()) {
    throw new ConfigError(`${where}.end (${end.toISOString()}) must be after start (${start.toISOString()})`);
  }
  return { kind: 'time', name: 'time', every: fields.every as PartitionEvery, timezone, start, end };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** A boundary as an instant; a bare end date means "through that day", so it becomes the next midnight. */
/**
 * Reads a range boundary in a zone: a date (local midnight; as an `end`, the next midnight, so the
 * day is included), a local time, or an instant. Throws a ConfigError naming `where`.
 */
export function parseBoundary(where: string, value: unknown, timezone: string, role: 'start' | 'end'): Date {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new ConfigError(`${where} is an invalid Date`);
    return new Date(value.getTime());
  }
  const invalid = () =>
    new ConfigError(
      `${where} must be a date 'YYYY-MM-DD', a local time 'YYYY-MM-DDTHH:mm' or an ISO instant ` +
        `such as '2025-01-01T00:00:00Z', got ${describe(value)}`,
    );
  if (typeof value !== 'string') throw invalid();
  if (INSTANT.test(value)) {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) throw invalid();
    return new Date(ms);
  }
  const match = DATE.exec(value) ?? LOCAL_TIME.exec(value);
  if (!match) throw invalid();
  const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1).map((n) => Number(n ?? 0));
  const date: LocalDate = { year: year ?? 0, month: month ?? 0, day: day ?? 0 };
  const real = addDays(date, 0);
  if (real.month !== date.month || real.day !== date.day || hour > 23 || minute > 59 || second > 59) {
    throw new ConfigError(`${where} ${JSON.stringify(value)} is not a real date and time`);
  }
  const local = DATE.test(value) && role === 'end' ? addDays(date, 1) : date;
  return new Date(instantOfLocal({ ...local, hour, minute, second }, timezone));
}

function parseKeyDimensions(where: string, input: unknown): KeyDimension[] {
  if (input === undefined) return [];
  const list: readonly unknown[] = Array.isArray(input) ? input : [input];
  const dimensions = list.map((item, index) =>
    parseKeyDimension(Array.isArray(input) ? `${where}[${index}]` : where, item),
  );
  const seen = new Set<string>();
  for (const dimension of dimensions) {
    if (seen.has(dimension.name)) {
      throw new ConfigError(
        `${where}: two key dimensions are named "${dimension.name}"; names must be unique`,
      );
    }
    seen.add(dimension.name);
  }
  return dimensions;
}

function parseKeyDimension(where: string, input: unknown): KeyDimension {
  const fields = asObject(
    where,
    input,
    "{ name: 'site', values: ['annecy', 'chambery'] } or { name: 'site', keySet: 'sites' }",
  );
  assertKnownKeys(where, fields, KEYS_KEYS);
  const name = fields.name;
  if (typeof name !== 'string' || !DIMENSION_NAME.test(name)) {
    throw new ConfigError(
      `${where}.name must be a lower-case name such as 'site' (letters, digits, underscores), got ${describe(name)}`,
    );
  }
  if (RESERVED_NAMES.has(name)) {
    throw new ConfigError(
      `${where}.name "${name}" is reserved for a partition parameter; choose another (reserved: ${[...RESERVED_NAMES].join(', ')})`,
    );
  }
  if ((fields.values === undefined) === (fields.keySet === undefined)) {
    throw new ConfigError(`${where} needs exactly one of values (a static list) or keySet (stored keys)`);
  }
  if (fields.keySet !== undefined) {
    if (typeof fields.keySet !== 'string' || !DIMENSION_NAME.test(fields.keySet)) {
      throw new ConfigError(
        `${where}.keySet must be the name of a stored key set such as 'sites', got ${describe(fields.keySet)}`,
      );
    }
    return { kind: 'keys', name, source: KeySource.keySet, keySet: fields.keySet };
  }
  const entries = parseKeyEntries(`${where}.values`, fields.values);
  if (entries.length === 0) throw new ConfigError(`${where}.values must list at least one key`);
  const attributes = [...new Set(entries.flatMap((entry) => Object.keys(entry.attributes)))].sort();
  return { kind: 'keys', name, source: KeySource.static, entries, attributes };
}

/**
 * Checks a list of keys (`'annecy'` or `{ key: 'annecy', lat: 45.9 }`) and turns attribute
 * values into strings. Also for key sets read from the database. Throws a ConfigError.
 */
export function parseKeyEntries(where: string, input: unknown): KeyEntry[] {
  if (!Array.isArray(input)) throw new ConfigError(`${where} must be a list of keys, got ${describe(input)}`);
  const seen = new Set<string>();
  return input.map((item: unknown, index) => {
    const at = `${where}[${index}]`;
    const entry = typeof item === 'string' ? { key: item, attributes: {} } : parseKeyEntry(at, item);
    if (!isKeyValue(entry.key)) {
      throw new ConfigError(`${at}: key ${JSON.stringify(entry.key)} must be ${KEY_VALUE_RULE}`);
    }
    if (seen.has(entry.key)) throw new ConfigError(`${at}: key "${entry.key}" is listed twice`);
    seen.add(entry.key);
    return entry;
  });
}

function parseKeyEntry(where: string, item: unknown): KeyEntry {
  const fields = asObject(where, item, "'annecy' or { key: 'annecy', romma_id: '74010' }");
  if (typeof fields.key !== 'string')
    throw new ConfigError(`${where}.key must be a string, got ${describe(fields.key)}`);
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'key') continue;
    if (!ATTRIBUTE_NAME.test(name)) {
      throw new ConfigError(`${where}.${name}: attribute names are letters, digits and underscores`);
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ConfigError(
        `${where}.${name} must be a string, a number or a boolean (flatten nested values), got ${describe(value)}`,
      );
    }
    attributes[name] = String(value);
  }
  return { key: fields.key, attributes };
}

function asObject(where: string, input: unknown, example: string): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || input instanceof Date) {
    throw new ConfigError(`${where} must be an object such as ${example}, got ${describe(input)}`);
  }
  return input as Record<string, unknown>;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

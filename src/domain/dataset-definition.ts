// What a dataset is: a named zod object schema with a natural key, a time column and a write mode.
import { z } from 'zod';
import { type ColumnSpec, deriveColumnType, isTimeType, PgType } from './column-type.ts';
import { parseDuration } from './duration.ts';
import { ConfigError } from './errors.ts';
import { assertIdentifier } from './identifier.ts';
import { assertKnownKeys, optionKeys } from './option-keys.ts';
import { assertRule, type QualityRule } from './quality-rules.ts';

export const WriteMode = {
  /** New keys only: ON CONFLICT DO NOTHING. */
  insert: 'insert',
  /** Insert new keys; update an existing row only when one of its values changed. */
  merge: 'merge',
} as const;
export type WriteMode = (typeof WriteMode)[keyof typeof WriteMode];

/** Columns sluice adds to every dataset table. Users cannot declare fields with these names. */
export const SystemColumn = {
  runId: '_run_id',
  provider: '_provider',
  firstSeenAt: '_first_seen_at',
  lastChangedAt: '_last_changed_at',
} as const;
const SYSTEM_COLUMNS = new Set<string>(Object.values(SystemColumn));

export type RecordSchema = z.ZodObject<z.ZodRawShape>;

export interface DatasetOptions<S extends RecordSchema> {
  schema: S;
  key: ReadonlyArray<keyof z.output<S> & string>;
  time: keyof z.output<S> & string;
  /** @defaultValue 'merge' */
  write?: WriteMode;
  description?: string;
  /** Rules beyond the schema; see quality-rules.ts. */
  rules?: readonly QualityRule[];
  /**
   * Largest share of rejected records (rejected / fetched, 0..1) a run may have; above it the
   * run fails and the batch that crossed it is not written.
   */
  maxErrorRate?: number;
  /**
   * Most records one run may quarantine; at the next one the run stops reading and fails, so a
   * broken source cannot fill the quarantine table. @defaultValue 10000
   */
  maxQuarantined?: number;
  /** When the data is stale: no record newer than `maxAge`, per dataset or per series of key columns. */
  freshness?: { maxAge: string; series?: ReadonlyArray<keyof z.output<S> & string> };
}

export interface FreshnessRule {
  readonly maxAgeMs: number;
  readonly maxAge: string;
  /** Key columns whose distinct values make a series; empty: the dataset is one series. */
  readonly series: readonly string[];
}

export interface DatasetDefinition<S extends RecordSchema = RecordSchema> {
  readonly kind: 'dataset';
  readonly name: string;
  /** The table that stores it: the dataset name, in the configured schema. */
  readonly table: string;
  readonly schema: S;
  readonly key: readonly string[];
  readonly time: string;
  readonly write: WriteMode;
  readonly description: string | undefined;
  readonly columns: readonly ColumnSpec[];
  readonly rules: readonly QualityRule[];
  readonly maxErrorRate: number | undefined;
  readonly maxQuarantined: number;
  readonly freshness: FreshnessRule | undefined;
}

/** Records one run may quarantine when the dataset does not say. */
export const DEFAULT_MAX_QUARANTINED = 10_000;

const DATASET_KEYS = optionKeys<DatasetOptions<RecordSchema>>({
  schema: true,
  key: true,
  time: true,
  write: true,
  description: true,
  rules: true,
  maxErrorRate: true,
  maxQuarantined: true,
  freshness: true,
});

/** Declares a dataset; throws a ConfigError naming the dataset and field when it cannot be stored. */
export function dataset<S extends RecordSchema>(
  name: string,
  options: DatasetOptions<S>,
): DatasetDefinition<S> {
  assertIdentifier(name, 'dataset name');
  const where = `dataset "${name}"`;
  assertKnownKeys(where, options, DATASET_KEYS);
  assertKnownKeys(`${where}: freshness`, options?.freshness, ['maxAge', 'series']);
  if (!(options.schema instanceof z.ZodObject)) {
    throw new ConfigError(
      `${where}: schema must be a zod object, e.g. z.object({ station: z.string(), ... })`,
    );
  }
  const columns = deriveColumns(where, options.schema);
  const byName = new Map(columns.map((column) => [column.name, column]));
  const write = options.write ?? WriteMode.merge;
  if (!Object.values(WriteMode).includes(write)) {
    throw new ConfigError(`${where}: write must be "insert" or "merge", got "${String(write)}"`);
  }
  if (!Array.isArray(options.key) || options.key.length === 0) {
    throw new ConfigError(`${where}: key must list at least one column of the schema`);
  }
  for (const key of options.key) {
    const column = byName.get(key);
    if (!column) throw new ConfigError(`${where}: key column "${key}" is not a field of the schema`);
    if (column.nullable) {
      throw new ConfigError(
        `${where}: key column "${key}" is optional or nullable; key columns must be required`,
      );
    }
    if (column.type === PgType.jsonb) {
      throw new ConfigError(`${where}: key column "${key}" is an object or array; keys must be scalar`);
    }
  }
  if (new Set(options.key).size !== options.key.length) {
    throw new ConfigError(`${where}: key lists a column twice`);
  }
  if (options.time === undefined) {
    const dates = [...byName.values()]
      .filter((column) => isTimeType(column.type))
      .map((column) => column.name);
    throw new ConfigError(
      `${where}: needs a \`time\` option naming the date column freshness and partitions read` +
        (dates.length > 0 ? ` (time: '${dates[0]}')` : '; add a z.coerce.date() field to the schema'),
    );
  }
  const time = byName.get(options.time);
  if (!time) throw new ConfigError(`${where}: time column "${options.time}" is not a field of the schema`);
  if (!isTimeType(time.type)) {
    throw new ConfigError(
      `${where}: time column "${options.time}" must be a date or timestamp (z.date(), z.coerce.date(), ` +
        `z.iso.date() or z.iso.datetime()), not ${time.type}`,
    );
  }
  const maxErrorRate = options.maxErrorRate;
  if (
    maxErrorRate !== undefined &&
    !(typeof maxErrorRate === 'number' && maxErrorRate >= 0 && maxErrorRate <= 1)
  ) {
    throw new ConfigError(`${where}: maxErrorRate must be a number between 0 and 1 (e.g. 0.05 for 5 %)`);
  }
  const maxQuarantined = options.maxQuarantined ?? DEFAULT_MAX_QUARANTINED;
  if (!Number.isSafeInteger(maxQuarantined) || maxQuarantined < 0) {
    throw new ConfigError(
      `${where}: maxQuarantined must be a whole number of records, 0 or more (e.g. 10000), got ${String(maxQuarantined)}`,
    );
  }
  const rules = options.rules ?? [];
  for (const [index, rule] of rules.entries()) assertRule(`${where}: rules[${index}]`, rule, byName);
  let freshness: FreshnessRule | undefined;
  if (options.freshness !== undefined) {
    const series = [...(options.freshness.series ?? [])];
    for (const column of series) {
      if (!options.key.includes(column)) {
        throw new ConfigError(
          `${where}: freshness.series column "${column}" must be one of the key columns (${options.key.join(', ')})`,
        );
      }
    }
    freshness = {
      maxAge: options.freshness.maxAge,
      maxAgeMs: parseDuration(`${where}: freshness.maxAge`, options.freshness.maxAge),
      series,
    };
  }
  return {
    kind: 'dataset',
    name,
    table: name,
    rules,
    maxErrorRate,
    maxQuarantined,
    freshness,
    schema: options.schema,
    key: [...options.key],
    time: options.time,
    write,
    description: options.description,
    columns,
  };
}

function deriveColumns(where: string, schema: RecordSchema): ColumnSpec[] {
  const columns: ColumnSpec[] = [];
  for (const [field, fieldSchema] of Object.entries(schema.shape)) {
    assertIdentifier(field, `${where}: field`);
    if (SYSTEM_COLUMNS.has(field)) {
      throw new ConfigError(`${where}: field "${field}" is reserved for sluice's system columns; rename it`);
    }
    try {
      const derived = deriveColumnType(fieldSchema as z.ZodType, z.globalRegistry);
      columns.push({ name: field, ...derived });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError(`${where}: field "${field}" is not supported: ${reason}`);
    }
  }
  if (columns.length === 0) throw new ConfigError(`${where}: schema has no fields`);
  return columns;
}

/** Columns the table has beyond the user's fields, in table order. */
export const systemColumns: readonly ColumnSpec[] = [
  // uuid like sluice.runs.id, so `JOIN sluice.runs r ON r.id = t._run_id` needs no cast.
  { name: SystemColumn.runId, type: PgType.uuid, nullable: true },
  { name: SystemColumn.provider, type: PgType.text, nullable: true },
  { name: SystemColumn.firstSeenAt, type: PgType.timestamptz, nullable: false },
  { name: SystemColumn.lastChangedAt, type: PgType.timestamptz, nullable: false },
];

// How a zod field becomes a typed Postgres column, and how its values are written as text.
import type { z } from 'zod';
import { ConfigError } from './errors.ts';

export const PgType = {
  text: 'text',
  double: 'double precision',
  numeric: 'numeric',
  bigint: 'bigint',
  boolean: 'boolean',
  date: 'date',
  timestamptz: 'timestamp with time zone',
  jsonb: 'jsonb',
  uuid: 'uuid',
} as const;
export type PgType = (typeof PgType)[keyof typeof PgType];

const PG_TYPES = new Set<string>(Object.values(PgType));

export interface ColumnSpec {
  name: string;
  type: PgType;
  nullable: boolean;
}

interface ZodInternals {
  _zod: { def: { type: string; format?: string; innerType?: unknown; out?: unknown; options?: unknown[] } };
  format?: string | null;
  isInt?: boolean;
}

function internals(schema: unknown): ZodInternals {
  return schema as ZodInternals;
}

/** Meta a user may set to pick a type zod cannot express, e.g. `z.string().meta({ pgType: 'numeric' })`. */
function metaType(
  schema: z.ZodType,
  registry: z.core.$ZodRegistry<Record<string, unknown>>,
): PgType | undefined {
  const meta = registry.get(schema);
  const wanted = meta?.pgType;
  if (wanted === undefined) return undefined;
  if (typeof wanted !== 'string' || !PG_TYPES.has(wanted)) {
    throw new TypeError(`meta pgType must be one of: ${[...PG_TYPES].join(', ')}`);
  }
  return wanted as PgType;
}

interface Derived {
  type: PgType;
  nullable: boolean;
}

/**
 * Derives the column of one field. Throws a TypeError describing what is unsupported; the
 * caller turns it into a ConfigError naming the dataset and field.
 */
export function deriveColumnType(
  schema: z.ZodType,
  registry: z.core.$ZodRegistry<Record<string, unknown>>,
): Derived {
  const fromMeta = metaType(schema, registry);
  const { def } = internals(schema)._zod;
  switch (def.type) {
    case 'optional':
    case 'nullable':
      return { ...deriveColumnType(def.innerType as z.ZodType, registry), nullable: true };
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional': {
      const inner = deriveColumnType(def.innerType as z.ZodType, registry);
      return fromMeta ? { ...inner, type: fromMeta } : inner;
    }
    case 'pipe': {
      const out = def.out as z.ZodType;
      if (internals(out)._zod.def.type === 'transform') {
        throw new TypeError(
          'a .transform() output has no known type; use z.coerce.*, or pipe into a typed schema ' +
            '(z.string().pipe(z.coerce.number())), or set .meta({ pgType })',
        );
      }
      return deriveColumnType(out, registry);
    }
  }
  if (fromMeta) return { type: fromMeta, nullable: false };
  const type = scalarType(schema);
  return { type, nullable: false };
}

function scalarType(schema: z.ZodType): PgType {
  const zi = internals(schema);
  const { def } = zi._zod;
  switch (def.type) {
    case 'string':
      if (def.format === 'date') return PgType.date;
      if (def.format === 'datetime') return PgType.timestamptz;
      return PgType.text;
    case 'number':
      return zi.isInt ? PgType.bigint : PgType.double;
    case 'bigint':
      return PgType.bigint;
    case 'boolean':
      return PgType.boolean;
    case 'date':
      return PgType.timestamptz;
    case 'enum':
      return PgType.text;
    case 'literal':
      return literalType(schema);
    case 'object':
    case 'array':
    case 'record':
    case 'tuple':
      return PgType.jsonb;
    case 'union': {
      const types = new Set((def.options ?? []).map((option) => scalarType(option as z.ZodType)));
      if (types.size === 1) return [...types][0] as PgType;
      throw new TypeError('a union of different types has no single column type; set .meta({ pgType })');
    }
    default:
      throw new TypeError(
        `zod type "${def.type}" has no column type; set .meta({ pgType }) or change the field`,
      );
  }
}

function literalType(schema: z.ZodType): PgType {
  const values = (schema as unknown as { _zod: { def: { values: unknown[] } } })._zod.def.values;
  const kinds = new Set(values.map((value) => typeof value));
  if (kinds.size === 1 && kinds.has('number')) return PgType.double;
  if (kinds.size === 1 && kinds.has('boolean')) return PgType.boolean;
  return PgType.text;
}

/** Postgres array-literal element for one value, or null for SQL NULL. */
export function encodeValue(type: PgType, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  switch (type) {
    case PgType.jsonb:
      return JSON.stringify(value);
    case PgType.boolean:
      return value ? 't' : 'f';
    case PgType.timestamptz:
      return value instanceof Date ? value.toISOString() : String(value);
    case PgType.date:
      return value instanceof Date ? value.toISOString().slice(0, 10) : String(value);
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

export function isTimeType(type: PgType): boolean {
  return type === PgType.timestamptz || type === PgType.date;
}

export function assertPgType(value: string, where: string): PgType {
  if (!PG_TYPES.has(value)) throw new ConfigError(`${where}: unknown column type "${value}"`);
  return value as PgType;
}

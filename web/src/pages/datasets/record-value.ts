// A dataset cell as text and as a chart value, read by its column's type: the API types rows as
// records of unknowns because each dataset declares its own columns.
import type { ColumnType, DatasetColumn } from '../../api/types.ts';
import type { Formatters } from '../../i18n/format.ts';

const NUMERIC: ReadonlySet<ColumnType> = new Set(['double precision', 'numeric', 'bigint']);

export function isNumericColumn(column: DatasetColumn): boolean {
  return NUMERIC.has(column.type);
}

/** A number from a cell: numeric and bigint columns arrive as strings to keep their precision. */
export function numberOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/** Milliseconds since the epoch from a timestamptz or date cell. */
export function timeOf(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
}

export function cellText(column: DatasetColumn, value: unknown, format: Formatters): string {
  if (value === null || value === undefined) return '—';
  if (column.type === 'timestamp with time zone' && typeof value === 'string') return format.dateTime(value);
  if (column.type === 'date' && typeof value === 'string') return format.day(value);
  if (NUMERIC.has(column.type)) {
    const number = numberOf(value);
    return number === null ? String(value) : format.number(number);
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

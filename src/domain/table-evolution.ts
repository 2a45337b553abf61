// Decides how a dataset table must change to match its schema, and refuses changes that lose data.
import { type ColumnSpec, PgType } from './column-type.ts';

export interface ExistingColumn {
  name: string;
  type: string;
  nullable: boolean;
}

export type TableChange =
  | { kind: 'add_column'; column: ColumnSpec }
  | { kind: 'drop_not_null'; column: string; reason: 'now_optional' | 'removed_from_schema' }
  /** A system column of a table made by an older sluice, converted in place (`_run_id` text → uuid). */
  | { kind: 'retype_system_column'; column: string; from: string; to: PgType };

export interface TablePlan {
  changes: TableChange[];
  /** Incompatible differences, each a sentence that says what to do. */
  problems: string[];
}

export interface TableState {
  columns: readonly ExistingColumn[];
  primaryKey: readonly string[];
  hasRows: boolean;
}

export function planTableEvolution(
  dataset: { name: string; table: string; key: readonly string[] },
  desired: readonly ColumnSpec[],
  current: TableState,
  system: readonly ColumnSpec[] = [],
): TablePlan {
  const changes: TableChange[] = [];
  const problems: string[] = [];
  const existing = new Map(current.columns.map((column) => [column.name, column]));
  const wanted = new Set(desired.map((column) => column.name));
  const table = dataset.table;

  if (current.primaryKey.join(',') !== dataset.key.join(',')) {
    problems.push(
      `the key changed from (${current.primaryKey.join(', ')}) to (${dataset.key.join(', ')}). ` +
        `Rows are identified by their key, so sluice will not rewrite it: restore the old key, or move the data ` +
        `yourself (e.g. ALTER TABLE "${table}" RENAME TO "${table}_old"; sluice then creates a new table)`,
    );
  }
  for (const column of desired) {
    const found = existing.get(column.name);
    if (!found) {
      if (column.nullable) changes.push({ kind: 'add_column', column });
      else if (!current.hasRows) changes.push({ kind: 'add_column', column });
      else {
        problems.push(
          `new field "${column.name}" is required but the table already has rows that have no value for it: ` +
            `make it optional (.optional() or .nullable()), or fill it yourself ` +
            `(ALTER TABLE "${table}" ADD COLUMN "${column.name}" ${column.type}; UPDATE ...; ` +
            `ALTER TABLE "${table}" ALTER COLUMN "${column.name}" SET NOT NULL)`,
        );
      }
      continue;
    }
    if (found.type !== column.type) {
      problems.push(
        `field "${column.name}" is ${column.type} in the schema but ${found.type} in the table: restore the old ` +
          `type in the schema, or convert the column yourself (ALTER TABLE "${table}" ALTER COLUMN ` +
          `"${column.name}" TYPE ${column.type} USING "${column.name}"::${castName(column.type)})`,
      );
      continue;
    }
    if (column.nullable && !found.nullable) {
      changes.push({ kind: 'drop_not_null', column: column.name, reason: 'now_optional' });
    } else if (!column.nullable && found.nullable && current.hasRows) {
      problems.push(
        `field "${column.name}" became required but the column allows NULL and the table has rows: make sure no ` +
          `row is NULL, then ALTER TABLE "${table}" ALTER COLUMN "${column.name}" SET NOT NULL; or keep the field optional`,
      );
    }
  }
  for (const column of system) {
    const found = existing.get(column.name);
    // Every value sluice wrote there is the id of a run (a uuid), so the conversion loses nothing.
    if (found && found.type === PgType.text && column.type === PgType.uuid) {
      changes.push({ kind: 'retype_system_column', column: column.name, from: found.type, to: column.type });
    }
  }
  for (const column of current.columns) {
    if (column.name.startsWith('_') || wanted.has(column.name)) continue;
    // A field removed from the schema keeps its data; it only stops being required.
    if (!column.nullable)
      changes.push({ kind: 'drop_not_null', column: column.name, reason: 'removed_from_schema' });
  }
  return { changes, problems };
}

function castName(type: PgType): string {
  return type === 'timestamp with time zone' ? 'timestamptz' : type;
}

// Creates each dataset's table and evolves it when the schema changes, under an advisory lock.
import { type DatasetDefinition, SystemColumn, systemColumns } from '../../domain/dataset-definition.ts';
import { ErrorCode, SluiceError } from '../../domain/errors.ts';
import { quoteIdent } from '../../domain/identifier.ts';
import { type ExistingColumn, planTableEvolution, type TableChange } from '../../domain/table-evolution.ts';
import type { Queryable } from './database.ts';
import { syncTableComments } from './table-comments.ts';

const TABLES_LOCK = 7_310_240_002;

export interface TableSetup {
  dataset: string;
  created: boolean;
  changes: TableChange[];
}

export function qualifiedTable(schema: string, dataset: DatasetDefinition): string {
  return `${quoteIdent(schema)}.${quoteIdent(dataset.table)}`;
}

async function readColumns(tx: Queryable, schema: string, table: string): Promise<ExistingColumn[]> {
  const { rows } = await tx.query<{ name: string; type: string; nullable: string }>(
    `SELECT column_name AS name, data_type AS type, is_nullable AS nullable
       FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, table],
  );
  return rows.map((row) => ({ name: row.name, type: row.type, nullable: row.nullable === 'YES' }));
}

async function readPrimaryKey(tx: Queryable, schema: string, table: string): Promise<string[]> {
  const { rows } = await tx.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE i.indisprimary AND n.nspname = $1 AND c.relname = $2
      ORDER BY k.position`,
    [schema, table],
  );
  return rows.map((row) => row.name);
}

function createTableSql(schema: string, dataset: DatasetDefinition): string {
  const table = qualifiedTable(schema, dataset);
  const columns = [...dataset.columns, ...systemColumns].map((column) => {
    const defaultNow =
      column.name === SystemColumn.firstSeenAt || column.name === SystemColumn.lastChangedAt
        ? ' DEFAULT now()'
        : '';
    return `${quoteIdent(column.name)} ${column.type}${column.nullable ? '' : ' NOT NULL'}${defaultNow}`;
  });
  const key = dataset.key.map(quoteIdent).join(', ');
  const timeIndex = quoteIdent(`${dataset.table}_time_idx`.slice(0, 63));
  return `CREATE TABLE ${table} (${columns.join(', ')}, PRIMARY KEY (${key}));
          CREATE INDEX ${timeIndex} ON ${table} (${quoteIdent(dataset.time)});`;
}

function changeSql(schema: string, dataset: DatasetDefinition, change: TableChange): string {
  const table = qualifiedTable(schema, dataset);
  if (change.kind === 'add_column') {
    const { column } = change;
    return `ALTER TABLE ${table} ADD COLUMN ${quoteIdent(column.name)} ${column.type}${column.nullable ? '' : ' NOT NULL'}`;
  }
  if (change.kind === 'retype_system_column') {
    const column = quoteIdent(change.column);
    return `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE ${change.to} USING ${column}::${change.to}`;
  }
  return `ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(change.column)} DROP NOT NULL`;
}

/**
 * Makes every dataset's table match its definition, inside the caller's transaction. Compatible
 * changes are applied; any incompatible one throws, so the transaction rolls everything back.
 */
export async function ensureDatasetTables(
  tx: Queryable,
  datasets: Iterable<DatasetDefinition>,
  schema = 'public',
): Promise<TableSetup[]> {
  const list = [...datasets];
  await tx.query('SELECT pg_advisory_xact_lock($1)', [TABLES_LOCK]);
  await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  const setups: TableSetup[] = [];
  const problems: string[] = [];
  for (const dataset of list) {
    const columns = await readColumns(tx, schema, dataset.table);
    if (columns.length === 0) {
      await tx.exec(createTableSql(schema, dataset));
      setups.push({ dataset: dataset.name, created: true, changes: [] });
    } else {
      const { rows } = await tx.query<{ has_rows: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${qualifiedTable(schema, dataset)}) AS has_rows`,
      );
      const plan = planTableEvolution(
        dataset,
        dataset.columns,
        {
          columns,
          primaryKey: await readPrimaryKey(tx, schema, dataset.table),
          hasRows: rows[0]?.has_rows ?? false,
        },
        systemColumns,
      );
      problems.push(
        ...plan.problems.map(
          (problem) => `dataset "${dataset.name}" (table ${schema}.${dataset.table}): ${problem}`,
        ),
      );
      for (const change of plan.changes) await tx.exec(changeSql(schema, dataset, change));
      setups.push({ dataset: dataset.name, created: false, changes: plan.changes });
    }
    await syncTableComments(tx, schema, dataset);
    await tx.query(
      `INSERT INTO sluice.datasets (name, table_schema, table_name, key_columns, time_column, columns)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO UPDATE SET table_schema = excluded.table_schema, table_name = excluded.table_name,
         key_columns = excluded.key_columns, time_column = excluded.time_column, columns = excluded.columns,
         updated_at = now()
       WHERE (sluice.datasets.table_schema, sluice.datasets.table_name, sluice.datasets.key_columns,
              sluice.datasets.time_column, sluice.datasets.columns)
         IS DISTINCT FROM (excluded.table_schema, excluded.table_name, excluded.key_columns,
              excluded.time_column, excluded.columns)`,
      [dataset.name, schema, dataset.table, dataset.key, dataset.time, JSON.stringify(dataset.columns)],
    );
  }
  if (problems.length > 0) {
    throw new SluiceError(
      ErrorCode.schemaChange,
      `the dataset schema changed in a way sluice will not apply by itself (nothing was changed):\n- ${problems.join('\n- ')}`,
    );
  }
  return setups;
}

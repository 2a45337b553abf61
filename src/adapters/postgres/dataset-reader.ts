// Reads dataset rows for people: filtered by key and time, sorted, keyset-paged, and the latest per provider.

import type { ColumnSpec } from '../../domain/column-type.ts';
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { SystemColumn, systemColumns } from '../../domain/dataset-definition.ts';
import { UsageError } from '../../domain/errors.ts';
import { quoteIdent } from '../../domain/identifier.ts';
import type { DatasetReader, PositionedRecord, ProviderPreview, RecordQuery } from '../../engine/datasets.ts';
import type { Queryable } from './database.ts';
import { qualifiedTable } from './dataset-tables.ts';

function castOf(type: string): string {
  return type === 'timestamp with time zone' ? 'timestamptz' : type;
}

/** Bad filter values (a malformed date, a word where a number belongs) are usage errors, not 500s. */
async function guarded<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('22')) throw new UsageError(`${what}: ${(error as Error).message}`, { cause: error });
    throw error;
  }
}

export async function readRecords(
  db: Queryable,
  schema: string,
  dataset: DatasetDefinition,
  query: RecordQuery,
): Promise<PositionedRecord[]> {
  const columns = [...dataset.columns, ...systemColumns];
  const byName = new Map(columns.map((column) => [column.name, column]));
  const where: string[] = [];
  const params: unknown[] = [];
  for (const [name, value] of Object.entries(query.keys)) {
    const column = byName.get(name);
    if (!column || !dataset.key.includes(name)) {
      throw new UsageError(
        `"${name}" is not a key column of dataset "${dataset.name}" (keys: ${dataset.key.join(', ')})`,
      );
    }
    params.push(value);
    where.push(`${quoteIdent(name)} = $${params.length}::${castOf(column.type)}`);
  }
  const time = byName.get(dataset.time)!;
  if (query.from !== undefined) {
    params.push(query.from);
    where.push(`${quoteIdent(dataset.time)} >= $${params.length}::${castOf(time.type)}`);
  }
  if (query.to !== undefined) {
    params.push(query.to);
    where.push(`${quoteIdent(dataset.time)} < $${params.length}::${castOf(time.type)}`);
  }
  const sort = query.sort ?? dataset.time;
  const sortColumn = byName.get(sort);
  if (!sortColumn) {
    throw new UsageError(`sort: "${sort}" is not a column of dataset "${dataset.name}"`);
  }
  const order = query.order === 'asc' ? 'ASC' : 'DESC';
  const tiebreak = dataset.key.map((key) => `${quoteIdent(key)} ${order}`).join(', ');
  if (query.after !== undefined) {
    where.push(afterPosition(dataset, byName, sortColumn, query, params));
  }
  params.push(query.limit);
  // The position is read as text so that it compares exactly on the next page (a JS Date would
  // drop a timestamp's microseconds); the alias cannot clash with a column (identifiers are [a-z0-9_]).
  const position = [sort, ...dataset.key].map((name) => `${quoteIdent(name)}::text`).join(', ');
  const sql = `SELECT ${columns.map((column) => quoteIdent(column.name)).join(', ')},
            ARRAY[${position}] AS "${POSITION}"
      FROM ${qualifiedTable(schema, dataset)}
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${quoteIdent(sort)} ${order} NULLS LAST, ${tiebreak}
     LIMIT $${params.length}`;
  const { rows } = await guarded('filter', () => db.query<Record<string, unknown>>(sql, params));
  return rows.map(({ [POSITION]: at, ...record }) => ({ record, position: at as Array<string | null> }));
}

const POSITION = 'sluice position';

/**
 * Keyset paging: the rows after `query.after` in ORDER BY sort NULLS LAST, key…, all in one
 * direction. Key columns are never null (they are the primary key); the sort column may be.
 */
function afterPosition(
  dataset: DatasetDefinition,
  byName: ReadonlyMap<string, ColumnSpec>,
  sortColumn: ColumnSpec,
  query: RecordQuery,
  params: unknown[],
): string {
  const after = query.after ?? [];
  const [sortValue, ...keyValues] = after;
  if (after.length !== dataset.key.length + 1 || keyValues.some((value) => value === null)) {
    throw new UsageError('cursor: not a position in this dataset’s listing');
  }
  const beyond = query.order === 'asc' ? '>' : '<';
  const param = (value: string | null | undefined, column: ColumnSpec) => {
    params.push(value);
    return `$${params.length}::${castOf(column.type)}`;
  };
  const keyColumns = dataset.key.map((name) => byName.get(name)!);
  const keys = `(${keyColumns.map((column) => quoteIdent(column.name)).join(', ')}) ${beyond} (${keyColumns
    .map((column, index) => param(keyValues[index], column))
    .join(', ')})`;
  const sort = quoteIdent(sortColumn.name);
  if (sortValue === null || sortValue === undefined) return `(${sort} IS NULL AND ${keys})`;
  const value = param(sortValue, sortColumn);
  return `(${sort} ${beyond} ${value} OR (${sort} = ${value} AND ${keys}) OR ${sort} IS NULL)`;
}

/** The latest `perProvider` records of each provider that served the dataset. */
export async function previewRecords(
  db: Queryable,
  schema: string,
  dataset: DatasetDefinition,
  perProvider: number,
): Promise<ProviderPreview[]> {
  const columns = [...dataset.columns, ...systemColumns].map((column) => quoteIdent(column.name)).join(', ');
  const provider = quoteIdent(SystemColumn.provider);
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT ${columns} FROM (
       SELECT ${columns}, row_number() OVER (PARTITION BY ${provider} ORDER BY ${quoteIdent(dataset.time)} DESC) AS _rank
         FROM ${qualifiedTable(schema, dataset)}) ranked
      WHERE _rank <= $1 ORDER BY ${provider} NULLS LAST, ${quoteIdent(dataset.time)} DESC`,
    [perProvider],
  );
  const groups = new Map<string | null, Record<string, unknown>[]>();
  for (const row of rows) {
    const key = (row[SystemColumn.provider] as string | null) ?? null;
    const list = groups.get(key) ?? [];
    list.push(row);
    groups.set(key, list);
  }
  return [...groups.entries()].map(([name, records]) => ({ provider: name, records }));
}

/** The datasets port on one database, with the dataset tables in `schema`. */
export function createDatasetReader(db: Queryable, schema: string): DatasetReader {
  return {
    records: (dataset, query) => readRecords(db, schema, dataset, query),
    preview: (dataset, perProvider) => previewRecords(db, schema, dataset, perProvider),
  };
}

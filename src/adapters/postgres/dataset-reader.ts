// Reads dataset rows for people: filtered by key and time, sorted, paged, and the latest per provider.
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { SystemColumn, systemColumns } from '../../domain/dataset-definition.ts';
import { UsageError } from '../../domain/errors.ts';
import { quoteIdent } from '../../domain/identifier.ts';
import type { DatasetReader, ProviderPreview, RecordQuery } from '../../engine/datasets.ts';
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
    if (code.startsWith('22')) throw new UsageError(`${what}: ${(error as Error).message}`);
    throw error;
  }
}

export async function readRecords(
  db: Queryable,
  schema: string,
  dataset: DatasetDefinition,
  query: RecordQuery,
): Promise<Record<string, unknown>[]> {
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
  if (!byName.has(sort)) {
    throw new UsageError(`sort: "${sort}" is not a column of dataset "${dataset.name}"`);
  }
  const order = query.order === 'asc' ? 'ASC' : 'DESC';
  const tiebreak = dataset.key.map((key) => `${quoteIdent(key)} ${order}`).join(', ');
  params.push(query.limit, query.offset);
  const sql = `SELECT ${columns.map((column) => quoteIdent(column.name)).join(', ')}
      FROM ${qualifiedTable(schema, dataset)}
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${quoteIdent(sort)} ${order} NULLS LAST, ${tiebreak}
     LIMIT $${params.length - 1} OFFSET $${params.length}`;
  const { rows } = await guarded('filter', () => db.query<Record<string, unknown>>(sql, params));
  return rows;
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

// Keeps a dataset table's COMMENTs equal to its definition; writes only the ones that differ.
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { quoteIdent } from '../../domain/identifier.ts';
import { datasetTableComments } from '../../domain/table-comments.ts';
import type { Queryable } from './database.ts';

/** An E'' literal: correct whatever standard_conforming_strings says. */
function quoteLiteral(text: string): string {
  return `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** Returns how many comments were written (0 when the catalog already matched). */
export async function syncTableComments(
  tx: Queryable,
  schema: string,
  dataset: DatasetDefinition,
): Promise<number> {
  const wanted = datasetTableComments(dataset);
  const table = `${quoteIdent(schema)}.${quoteIdent(dataset.table)}`;
  const { rows } = await tx.query<{ name: string | null; comment: string | null }>(
    `SELECT NULL::text AS name, obj_description(c.oid, 'pg_class') AS comment
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2
     UNION ALL
     SELECT a.attname::text, col_description(c.oid, a.attnum)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, dataset.table],
  );
  const current = new Map(rows.map((row) => [row.name, row.comment]));
  const statements: string[] = [];
  if (current.get(null) !== wanted.table)
    statements.push(`COMMENT ON TABLE ${table} IS ${quoteLiteral(wanted.table)}`);
  for (const [column, comment] of Object.entries(wanted.columns)) {
    // Columns the table lacks are not commented; absent and NULL comments are the same.
    if (!current.has(column) || (current.get(column) ?? null) === comment) continue;
    const value = comment === null ? 'NULL' : quoteLiteral(comment);
    statements.push(`COMMENT ON COLUMN ${table}.${quoteIdent(column)} IS ${value}`);
  }
  for (const statement of statements) await tx.exec(statement);
  return statements.length;
}

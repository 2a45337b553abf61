// Writes one batch of encoded rows with one statement; the database reports what it did.
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { SystemColumn } from '../../domain/dataset-definition.ts';
import { quoteIdent } from '../../domain/identifier.ts';
import type { EncodedRow } from '../../domain/record-validation.ts';
import type { BatchMeta, DatasetWriter, WriteCounts } from '../../engine/ports.ts';
import type { Queryable } from './database.ts';
import { qualifiedTable } from './dataset-tables.ts';

function arrayType(type: string): string {
  return type === 'timestamp with time zone' ? 'timestamptz[]' : `${type}[]`;
}

/**
 * Builds the statement once per dataset. Rows travel as one array parameter per column
 * (`unnest`), duplicates inside a batch collapse to the last one (DISTINCT ON over the
 * ordinality), and the final SELECT returns the counts Postgres reported for the INSERT.
 */
export function buildWriteStatement(schema: string, dataset: DatasetDefinition): string {
  const columns = dataset.columns.map((column) => quoteIdent(column.name));
  const keys = dataset.key.map(quoteIdent);
  const nonKeys = dataset.columns
    .filter((column) => !dataset.key.includes(column.name))
    .map((c) => quoteIdent(c.name));
  const unnestArgs = dataset.columns.map((column, index) => `$${index + 1}::${arrayType(column.type)}`);
  const runParam = `$${dataset.columns.length + 1}::text`;
  const providerParam = `$${dataset.columns.length + 2}::text`;
  const run = quoteIdent(SystemColumn.runId);
  const provider = quoteIdent(SystemColumn.provider);
  const firstSeen = quoteIdent(SystemColumn.firstSeenAt);
  const lastChanged = quoteIdent(SystemColumn.lastChangedAt);

  let conflict = 'ON CONFLICT DO NOTHING';
  if (dataset.write === 'merge' && nonKeys.length > 0) {
    const sets = [...nonKeys, run, provider, lastChanged].map((column) => `${column} = excluded.${column}`);
    const current = nonKeys.map((column) => `t.${column}`).join(', ');
    const incoming = nonKeys.map((column) => `excluded.${column}`).join(', ');
    conflict =
      `ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${sets.join(', ')} ` +
      `WHERE ROW(${current}) IS DISTINCT FROM ROW(${incoming})`;
  }
  return `WITH input AS (
      SELECT DISTINCT ON (${keys.join(', ')}) ${columns.join(', ')}
        FROM unnest(${unnestArgs.join(', ')}) WITH ORDINALITY AS u(${columns.join(', ')}, _ord)
       ORDER BY ${keys.join(', ')}, _ord DESC
    ), written AS (
      INSERT INTO ${qualifiedTable(schema, dataset)} AS t (${columns.join(', ')}, ${run}, ${provider}, ${firstSeen}, ${lastChanged})
      SELECT ${columns.join(', ')}, ${runParam}, ${providerParam}, now(), now() FROM input
      ${conflict}
      RETURNING (xmax = 0) AS inserted
    )
    SELECT (SELECT count(*) FROM input)::int AS input,
           (count(*) FILTER (WHERE inserted))::int AS inserted,
           (count(*) FILTER (WHERE NOT inserted))::int AS updated
      FROM written`;
}

export function createDatasetWriter(
  db: Queryable,
  schema: string,
  dataset: DatasetDefinition,
): DatasetWriter {
  const statement = buildWriteStatement(schema, dataset);
  const width = dataset.columns.length;
  return {
    async write(rows: readonly EncodedRow[], meta: BatchMeta): Promise<WriteCounts> {
      if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0, duplicatesInBatch: 0 };
      const columns: (string | null)[][] = Array.from({ length: width }, () => new Array(rows.length));
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r]!;
        for (let c = 0; c < width; c++) columns[c]![r] = row[c] ?? null;
      }
      const { rows: result } = await db.query<{ input: number; inserted: number; updated: number }>(
        statement,
        [...columns, meta.runId, meta.provider],
      );
      const counts = result[0] ?? { input: 0, inserted: 0, updated: 0 };
      return {
        inserted: counts.inserted,
        updated: counts.updated,
        // Rows the database kept as they were: duplicates of existing keys, with equal values.
        unchanged: counts.input - counts.inserted - counts.updated,
        duplicatesInBatch: rows.length - counts.input,
      };
    },
  };
}

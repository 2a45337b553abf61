// Writes one batch of encoded rows: COPY into a staging table, then one INSERT that reports its counts.
import { createHash } from 'node:crypto';
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { SystemColumn } from '../../domain/dataset-definition.ts';
import { ErrorCode, SluiceError } from '../../domain/errors.ts';
import { quoteIdent } from '../../domain/identifier.ts';
import type { EncodedRow } from '../../domain/record-validation.ts';
import type { BatchMeta, DatasetWriter, WriteCounts } from '../../engine/ports.ts';
import { copyText, type Queryable } from './database.ts';
import { qualifiedTable } from './dataset-tables.ts';
import { freshnessUpsertSql } from './freshness-summary.ts';

export interface WriteStatements {
  /** The temp table rows are copied into: one per connection and column layout. */
  stage: string;
  createStage: string;
  copyTarget: string;
  write: string;
}

/**
 * Builds the statements once per dataset. The batch is copied into a temporary staging table
 * with its position (`_ord`); duplicates inside the batch collapse to the last one (DISTINCT ON),
 * and the final SELECT returns the counts Postgres reported for the INSERT.
 */
export function buildWriteStatements(schema: string, dataset: DatasetDefinition): WriteStatements {
  const columns = dataset.columns.map((column) => quoteIdent(column.name));
  const keys = dataset.key.map(quoteIdent);
  const nonKeys = dataset.columns
    .filter((column) => !dataset.key.includes(column.name))
    .map((c) => quoteIdent(c.name));
  const layout = createHash('sha256')
    .update(JSON.stringify([schema, dataset.columns]))
    .digest('hex')
    .slice(0, 10);
  const stage = quoteIdent(`_sluice_stage_${dataset.table.slice(0, 36)}_${layout}`);
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
  const stageColumns = dataset.columns.map((column) => `${quoteIdent(column.name)} ${column.type}`);
  // Datasets with `freshness` keep their summary current in the same statement, so it commits
  // (or rolls back, in a dry run) exactly with the rows.
  const freshness = freshnessUpsertSql(dataset, 'input');
  return {
    stage,
    createStage: `CREATE TEMP TABLE IF NOT EXISTS ${stage} (${stageColumns.join(', ')}, _ord integer NOT NULL)`,
    copyTarget: `${stage} (${columns.join(', ')}, _ord)`,
    // The guard fences stale attempts: rows are written only while the run is still `running`
    // (a retried job marks its abandoned attempt failed first).
    write: `WITH guard AS (
        SELECT 1 FROM sluice.runs WHERE id = $1::uuid AND status = 'running' FOR SHARE
      ), input AS (
        SELECT DISTINCT ON (${keys.join(', ')}) ${columns.join(', ')}
          FROM ${stage} WHERE EXISTS (SELECT 1 FROM guard) ORDER BY ${keys.join(', ')}, _ord DESC
      ), written AS (
        INSERT INTO ${qualifiedTable(schema, dataset)} AS t (${columns.join(', ')}, ${run}, ${provider}, ${firstSeen}, ${lastChanged})
        SELECT ${columns.join(', ')}, $1::text, $2::text, now(), now() FROM input
        ${conflict}
        RETURNING (xmax = 0) AS inserted
      )${
        freshness
          ? `, freshness AS (
        ${freshness}
      )`
          : ''
      }
      SELECT (SELECT count(*) FROM guard)::int AS live, (SELECT count(*) FROM input)::int AS input,
             (count(*) FILTER (WHERE inserted))::int AS inserted,
             (count(*) FILTER (WHERE NOT inserted))::int AS updated
        FROM written`,
  };
}

/** The batch in COPY text format: tab-separated, `\N` for NULL, then the row's position. */
export function copyBody(rows: readonly EncodedRow[]): string {
  const lines = new Array<string>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let line = '';
    for (let c = 0; c < row.length; c++) line += `${copyText(row[c] ?? null)}\t`;
    lines[r] = `${line}${r}\n`;
  }
  return lines.join('');
}

export function createDatasetWriter(
  db: Queryable,
  schema: string,
  dataset: DatasetDefinition,
): DatasetWriter {
  const statements = buildWriteStatements(schema, dataset);
  return {
    async write(rows: readonly EncodedRow[], meta: BatchMeta): Promise<WriteCounts> {
      if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0, duplicatesInBatch: 0 };
      const body = copyBody(rows);
      const counts = await db.transaction(async (tx) => {
        await tx.exec(`${statements.createStage}; TRUNCATE ${statements.stage}`);
        await tx.copyFrom(statements.copyTarget, body);
        const { rows: result } = await tx.query<{
          live: number;
          input: number;
          inserted: number;
          updated: number;
        }>(statements.write, [meta.runId, meta.provider]);
        return result[0] ?? { live: 0, input: 0, inserted: 0, updated: 0 };
      });
      if (counts.live === 0) {
        throw new SluiceError(
          ErrorCode.staleAttempt,
          `run ${meta.runId} is no longer running (abandoned and retried, or cancelled); its writes are refused`,
        );
      }
      return {
        inserted: counts.inserted,
        updated: counts.updated,
        // Rows the database kept as they were: existing keys whose values are equal (or, for
        // `insert`, any existing key).
        unchanged: counts.input - counts.inserted - counts.updated,
        duplicatesInBatch: rows.length - counts.input,
      };
    },
  };
}

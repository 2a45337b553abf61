// Writes one batch of encoded rows: COPY into a staging table, then one INSERT that reports its counts.
import { createHash } from 'node:crypto';
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { SystemColumn } from '../../domain/dataset-definition.ts';
import { ErrorCode, SluiceError } from '../../domain/errors.ts';
import { quoteIdent } from '../../domain/identifier.ts';
import type { EncodedRow } from '../../domain/record-validation.ts';
import type { BatchMeta, DatasetWriter, RunStage, WriteCounts } from '../../engine/ports.ts';
import { copyText, type Queryable } from './database.ts';
import { qualifiedTable } from './dataset-tables.ts';
import { freshnessUpsertSql } from './freshness-summary.ts';

export interface WriteStatements {
  /** The temp table rows are copied into: one per connection and column layout. */
  stage: string;
  createStage: string;
  copyTarget: string;
  write: string;
  /** Column definitions of a run's staging table (the dataset's columns and `_ord`). */
  stageColumns: string;
  columnList: string;
  /** The merge statement reading from another staging table. */
  writeFrom(source: string): string;
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
  // The guard fences stale attempts: rows are written only while the run is still `running`
  // (a retried job marks its abandoned attempt failed first).
  const writeFrom = (source: string) => `WITH guard AS (
        SELECT 1 FROM sluice.runs WHERE id = $1::uuid AND status = 'running' FOR SHARE
      ), input AS (
        SELECT DISTINCT ON (${keys.join(', ')}) ${columns.join(', ')}
          FROM ${source} WHERE EXISTS (SELECT 1 FROM guard) ORDER BY ${keys.join(', ')}, _ord DESC
      ), written AS (
        INSERT INTO ${qualifiedTable(schema, dataset)} AS t (${columns.join(', ')}, ${run}, ${provider}, ${firstSeen}, ${lastChanged})
        SELECT ${columns.join(', ')}, $1::uuid, $2::text, now(), now() FROM input
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
        FROM written`;
  return {
    stage,
    createStage: `CREATE TEMP TABLE IF NOT EXISTS ${stage} (${stageColumns.join(', ')}, _ord integer NOT NULL)`,
    copyTarget: `${stage} (${columns.join(', ')}, _ord)`,
    write: writeFrom(stage),
    stageColumns: `${stageColumns.join(', ')}, _ord bigint NOT NULL`,
    columnList: `${columns.join(', ')}, _ord`,
    writeFrom,
  };
}

/** The batch in COPY text format: tab-separated, `\N` for NULL, then the row's position. */
export function copyBody(rows: readonly EncodedRow[], firstOrd = 0): string {
  const lines = new Array<string>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let line = '';
    for (let c = 0; c < row.length; c++) line += `${copyText(row[c] ?? null)}\t`;
    lines[r] = `${line}${firstOrd + r}\n`;
  }
  return lines.join('');
}

type MergeResult = { live: number; input: number; inserted: number; updated: number };

function countsOf(result: MergeResult, rows: number, runId: string): WriteCounts {
  if (result.live === 0) {
    throw new SluiceError(
      ErrorCode.staleAttempt,
      `run ${runId} is no longer running (abandoned and retried, or cancelled); its writes are refused`,
    );
  }
  return {
    inserted: result.inserted,
    updated: result.updated,
    // Rows the database kept as they were: existing keys whose values are equal (or, for
    // `insert`, any existing key).
    unchanged: result.input - result.inserted - result.updated,
    duplicateKeys: rows - result.input,
  };
}

/** Schema of the per-run staging tables (migration 0010). */
export const STAGE_SCHEMA = 'sluice_stage';

/** `sluice_stage.r_<run id hex>_<lane>`: one staging table per run and write lane. */
export function stageTableName(runId: string, lane: number): string {
  return `r_${runId.replace(/-/g, '').toLowerCase()}_${lane}`;
}

export function createDatasetWriter(
  db: Queryable,
  schema: string,
  dataset: DatasetDefinition,
): DatasetWriter {
  const statements = buildWriteStatements(schema, dataset);
  return {
    async write(rows: readonly EncodedRow[], meta: BatchMeta): Promise<WriteCounts> {
      if (rows.length === 0) return { inserted: 0, updated: 0, unchanged: 0, duplicateKeys: 0 };
      const body = copyBody(rows);
      const result = await db.transaction(async (tx) => {
        await tx.exec(`${statements.createStage}; TRUNCATE ${statements.stage}`);
        await tx.copyFrom(statements.copyTarget, body);
        const { rows: merged } = await tx.query<MergeResult>(statements.write, [meta.runId, meta.provider]);
        return merged[0] ?? { live: 0, input: 0, inserted: 0, updated: 0 };
      });
      return countsOf(result, rows.length, meta.runId);
    },

    async openStage(meta: BatchMeta, lane: number): Promise<RunStage> {
      // An unlogged table, not a temp one: every pooled connection can append to it, and a crashed
      // process's table is found and dropped by name (dropOrphanStages).
      const table = `${quoteIdent(STAGE_SCHEMA)}.${quoteIdent(stageTableName(meta.runId, lane))}`;
      await db.exec(`CREATE UNLOGGED TABLE IF NOT EXISTS ${table} (${statements.stageColumns})`);
      let staged = 0;
      return {
        async append(rows) {
          if (rows.length === 0) return;
          const body = copyBody(rows, staged);
          staged += rows.length;
          await db.copyFrom(`${table} (${statements.columnList})`, body);
        },
        async merge() {
          const result = await db.transaction(async (tx) => {
            // The sort of a large run stays in memory instead of spilling to disk in small runs.
            await tx.exec(`SET LOCAL work_mem = '128MB'`);
            const { rows: merged } = await tx.query<MergeResult>(statements.writeFrom(table), [
              meta.runId,
              meta.provider,
            ]);
            return merged[0] ?? { live: 0, input: 0, inserted: 0, updated: 0 };
          });
          return countsOf(result, staged, meta.runId);
        },
        async drop() {
          await db.exec(`DROP TABLE IF EXISTS ${table}`);
        },
      };
    },
  };
}

/**
 * Drops the staging tables of runs that are no longer running (their process died mid-run);
 * returns how many. A live run's tables are kept.
 */
export async function dropOrphanStages(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname ~ '^r_[0-9a-f]{32}_[0-9]+$'
        AND NOT EXISTS (SELECT 1 FROM sluice.runs r
                         WHERE r.status = 'running' AND replace(r.id::text, '-', '') = substr(c.relname, 3, 32))`,
    [STAGE_SCHEMA],
  );
  for (const { name } of rows)
    await db.exec(`DROP TABLE IF EXISTS ${quoteIdent(STAGE_SCHEMA)}.${quoteIdent(name)}`);
  return rows.length;
}

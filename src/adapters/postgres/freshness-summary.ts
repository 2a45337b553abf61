// Writes to sluice.freshness_series: the upsert each batch write carries, and rebuilding from a dataset's table.

import { PgType } from '../../domain/column-type.ts';
import { type DatasetDefinition, SystemColumn } from '../../domain/dataset-definition.ts';
import { isIdentifier, quoteIdent } from '../../domain/identifier.ts';
import type { Queryable } from './database.ts';
import { qualifiedTable } from './dataset-tables.ts';

/** A dataset name as an SQL string literal; names passed the identifier allow-list, so no quote can occur. */
function nameLiteral(dataset: DatasetDefinition): string {
  if (!isIdentifier(dataset.name))
    throw new Error(`refusing unchecked dataset name ${JSON.stringify(dataset.name)}`);
  return `'${dataset.name}'`;
}

/** The time column as timestamptz; a date is its midnight in UTC, whatever the session's time zone. */
function timeExpression(dataset: DatasetDefinition): string {
  const column = quoteIdent(dataset.time);
  const spec = dataset.columns.find((candidate) => candidate.name === dataset.time);
  return spec?.type === PgType.date ? `(${column}::timestamp AT TIME ZONE 'UTC')` : column;
}

/** `jsonb_build_object('base', "base", …)`, or `'{}'::jsonb` for a dataset that is one series. */
function seriesExpression(series: readonly string[]): string {
  if (series.length === 0) return `'{}'::jsonb`;
  return `jsonb_build_object(${series.map((column) => `'${column}', ${quoteIdent(column)}`).join(', ')})`;
}

/**
 * A CTE body for the batch write statement: upserts the newest time per series of the rows in
 * `input`, with `$1` the run id and `$2` the provider. Rows are upserted in series order, so two
 * concurrent batches lock summary rows in the same order and cannot deadlock; an unreferenced
 * data-modifying CTE still runs to completion.
 */
export function freshnessUpsertSql(dataset: DatasetDefinition, input: string): string | undefined {
  const rule = dataset.freshness;
  if (!rule) return undefined;
  const columns = rule.series.map(quoteIdent);
  const grouping = columns.length > 0 ? `GROUP BY ${columns.join(', ')} ORDER BY ${columns.join(', ')}` : '';
  // Without series columns the aggregate yields one row even for an empty input: HAVING drops it.
  const having = columns.length > 0 ? '' : `HAVING max(${quoteIdent(dataset.time)}) IS NOT NULL`;
  return `INSERT INTO sluice.freshness_series AS f (dataset, series, last_time, last_run_id, provider, updated_at)
        SELECT ${nameLiteral(dataset)}, ${seriesExpression(rule.series)}, max(${timeExpression(dataset)}), $1::uuid, $2::text, now()
          FROM ${input} WHERE ${quoteIdent(dataset.time)} IS NOT NULL ${grouping} ${having}
        ON CONFLICT (dataset, series) DO UPDATE SET last_time = greatest(f.last_time, excluded.last_time),
          last_run_id = excluded.last_run_id, provider = excluded.provider, updated_at = excluded.updated_at`;
}

/**
 * (Re)builds the summary of one dataset from its table: the newest record of each series with the
 * run and provider that wrote it. Rows keyed by other series columns (the definition changed) are
 * dropped first. Times only move forward (`greatest`), so a rebuild racing a batch write is safe.
 * Scans the whole table: run it when the summary is missing, not per request.
 */
export async function rebuildFreshness(
  db: Queryable,
  schema: string,
  dataset: DatasetDefinition,
): Promise<number> {
  const rule = dataset.freshness;
  if (!rule) return 0;
  const columns = rule.series.map(quoteIdent);
  const time = quoteIdent(dataset.time);
  const runId = quoteIdent(SystemColumn.runId);
  const provider = quoteIdent(SystemColumn.provider);
  // DISTINCT ON picks the newest row per series; without series columns the time index finds it.
  const latest =
    columns.length > 0
      ? `SELECT DISTINCT ON (${columns.join(', ')}) ${columns.join(', ')}, ${timeExpression(dataset)} AS last_time, ${runId} AS run_id, ${provider} AS provider
           FROM ${qualifiedTable(schema, dataset)} WHERE ${time} IS NOT NULL ORDER BY ${columns.join(', ')}, ${time} DESC`
      : `SELECT ${timeExpression(dataset)} AS last_time, ${runId} AS run_id, ${provider} AS provider
           FROM ${qualifiedTable(schema, dataset)} WHERE ${time} IS NOT NULL ORDER BY ${time} DESC LIMIT 1`;
  return db.transaction(async (tx) => {
    await tx.query(
      `DELETE FROM sluice.freshness_series
        WHERE dataset = $1 AND NOT (series ?& $2::text[] AND (SELECT count(*) FROM jsonb_object_keys(series)) = $3)`,
      [dataset.name, rule.series, rule.series.length],
    );
    const { rowCount } = await tx.query(
      `INSERT INTO sluice.freshness_series AS f (dataset, series, last_time, last_run_id, provider, updated_at)
       SELECT $1::text, ${seriesExpression(rule.series)}, last_time,
              run_id,
              provider, now()
         FROM (${latest}) AS latest ${columns.length > 0 ? `ORDER BY ${columns.join(', ')}` : ''}
       ON CONFLICT (dataset, series) DO UPDATE SET last_time = excluded.last_time,
         last_run_id = excluded.last_run_id, provider = excluded.provider, updated_at = excluded.updated_at
       WHERE excluded.last_time > f.last_time`,
      [dataset.name],
    );
    return rowCount;
  });
}

/** Datasets whose summary this process has checked, per database: the check runs once per process. */
const checked = new WeakMap<Queryable, Set<string>>();

/**
 * Rebuilds the summary of each monitored dataset that has no summary rows yet (its table had rows
 * before freshness was declared, or before this migration) or rows keyed by other series columns.
 * Cheap after the first call in a process: it only consults an in-memory set.
 */
export async function ensureFreshnessSummary(
  db: Queryable,
  schema: string,
  datasets: Iterable<DatasetDefinition>,
): Promise<void> {
  let done = checked.get(db);
  if (!done) {
    done = new Set();
    checked.set(db, done);
  }
  for (const dataset of datasets) {
    const rule = dataset.freshness;
    if (!rule) continue;
    const memo = `${schema}.${dataset.name}(${rule.series.join(',')})`;
    if (done.has(memo)) continue;
    const { rows } = await db.query<{ present: boolean; misshapen: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM sluice.freshness_series WHERE dataset = $1) AS present,
              EXISTS (SELECT 1 FROM sluice.freshness_series WHERE dataset = $1
                        AND NOT (series ?& $2::text[] AND (SELECT count(*) FROM jsonb_object_keys(series)) = $3)) AS misshapen`,
      [dataset.name, rule.series, rule.series.length],
    );
    const state = rows[0];
    if (!state?.present || state.misshapen) await rebuildFreshness(db, schema, dataset);
    done.add(memo);
  }
}

// Freshness in PostgreSQL: reading per dataset and per series from the summary table (index scans
// only) with the last good runs, and the monitor's compare-and-set of series statuses with their events.
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { NotFoundError } from '../../domain/errors.ts';
import {
  assessSeries,
  compareDatasetStatus,
  compareStalest,
  datasetStatus,
  FreshnessStatus,
  formatAge,
  freshnessCutoff,
  projectStatus,
} from '../../domain/freshness.ts';
import type {
  DatasetFreshness,
  FreshnessReader,
  FreshnessReport,
  LastRun,
  ResolvedFreshnessQuery,
  SeriesFreshness,
} from '../../engine/freshness.ts';
import type { FreshnessStatusStore, SeriesStatusChange } from '../../engine/freshness-monitor.ts';
import type { Queryable } from './database.ts';
import { ensureFreshnessSummary } from './freshness-summary.ts';

/** What freshness needs to know about the project: its datasets and which pipeline feeds which. */
export interface FreshnessProject {
  schema: string;
  datasets: readonly DatasetDefinition[];
  pipelines: ReadonlyArray<{ name: string; into: { name: string } }>;
}

/** The freshness view of an opened project (a Sluice): its schema and config. */
export function freshnessProjectOf(source: {
  schema: string;
  config: {
    datasets: ReadonlyMap<string, DatasetDefinition>;
    pipelines: ReadonlyMap<string, { name: string; into: { name: string } }>;
  };
}): FreshnessProject {
  return {
    schema: source.schema,
    datasets: [...source.config.datasets.values()],
    pipelines: [...source.config.pipelines.values()],
  };
}

interface SeriesRow {
  dataset: string;
  series: Record<string, unknown>;
  last_time: Date;
  last_run_id: string | null;
  provider: string | null;
  updated_at: Date;
  status: string | null;
  status_changed_at: Date | null;
}

const iso = (value: Date | null | undefined) => (value ? value.toISOString() : null);

function selectDatasets(project: FreshnessProject, only: string | undefined): DatasetDefinition[] {
  const all = project.datasets;
  if (only === undefined) return [...all];
  const found = all.filter((dataset) => dataset.name === only);
  if (found.length === 0) {
    const known = all.map((dataset) => dataset.name).join(', ') || 'none';
    throw new NotFoundError(`dataset "${only}" is not defined (defined: ${known})`);
  }
  return found;
}

function toSeries(dataset: DatasetDefinition, row: SeriesRow | undefined, now: Date): SeriesFreshness {
  const rule = dataset.freshness!;
  const assessed = assessSeries(row?.last_time ?? null, rule.maxAgeMs, now);
  return {
    dataset: dataset.name,
    series: row?.series ?? {},
    status: assessed.status,
    lastTime: iso(row?.last_time),
    ageMs: assessed.ageMs,
    age: formatAge(assessed.ageMs),
    maxAge: rule.maxAge,
    staleAt: iso(assessed.staleAt),
    provider: row?.provider ?? null,
    lastRunId: row?.last_run_id ?? null,
    updatedAt: iso(row?.updated_at),
    statusChangedAt: iso(row?.status_changed_at),
  };
}

/**
 * The stalest series of each dataset, `limit` per dataset, through the (dataset, last_time,
 * series) index; `staleOnly` stops at the freshness cutoff.
 */
async function stalestRows(
  db: Queryable,
  datasets: readonly DatasetDefinition[],
  now: Date,
  limit: number,
  staleOnly: boolean,
): Promise<SeriesRow[]> {
  if (datasets.length === 0) return [];
  const { rows } = await db.query<SeriesRow>(
    `SELECT s.* FROM unnest($1::text[], $2::timestamptz[]) AS d(name, cutoff)
       CROSS JOIN LATERAL (
         SELECT dataset, series, last_time, last_run_id::text AS last_run_id, provider, updated_at, status, status_changed_at
           FROM sluice.freshness_series
          WHERE dataset = d.name ${staleOnly ? 'AND last_time < d.cutoff' : ''}
          ORDER BY last_time, series LIMIT $3) AS s`,
    [
      datasets.map((dataset) => dataset.name),
      datasets.map((dataset) => freshnessCutoff(now, dataset.freshness!.maxAgeMs).toISOString()),
      limit,
    ],
  );
  return rows;
}

/** The latest succeeded or partial run of each pipeline, newest first per pipeline via runs_pipeline_idx. */
async function lastSuccessfulRuns(
  db: Queryable,
  pipelines: readonly string[],
): Promise<Map<string, LastRun>> {
  if (pipelines.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; pipeline: string; status: string; finished_at: Date | null }>(
    `SELECT r.id::text AS id, p.name AS pipeline, r.status, r.finished_at
       FROM unnest($1::text[]) AS p(name)
       CROSS JOIN LATERAL (
         SELECT id, status, finished_at FROM sluice.runs
          WHERE pipeline = p.name AND status IN ('succeeded', 'partial') ORDER BY queued_at DESC LIMIT 1) AS r`,
    [pipelines],
  );
  return new Map(
    rows.map((row) => [
      row.pipeline,
      { id: row.id, pipeline: row.pipeline, status: row.status, finishedAt: iso(row.finished_at) },
    ]),
  );
}

function pipelinesByDataset(project: FreshnessProject): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const pipeline of project.pipelines) {
    const list = map.get(pipeline.into.name) ?? [];
    list.push(pipeline.name);
    map.set(pipeline.into.name, list);
  }
  return map;
}

/**
 * Freshness of the project, each dataset and its stalest `limit` series. Reads only the summary
 * table (per monitored dataset: one count over its rows, one index scan for the stalest) and the
 * runs index, never a dataset table; a missing summary is rebuilt once per process first.
 */
export async function readFreshnessReport(
  db: Queryable,
  project: FreshnessProject,
  query: ResolvedFreshnessQuery,
): Promise<FreshnessReport> {
  const datasets = selectDatasets(project, query.dataset);
  const monitored = datasets.filter((dataset) => dataset.freshness);
  await ensureFreshnessSummary(db, project.schema, monitored);
  const { now } = query;
  const { rows: counts } = await db.query<{
    dataset: string;
    total: number;
    stale: number;
    newest: Date | null;
  }>(
    `SELECT d.name AS dataset, c.total, c.stale, c.newest FROM unnest($1::text[], $2::timestamptz[]) AS d(name, cutoff)
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS total, (count(*) FILTER (WHERE last_time < d.cutoff))::int AS stale,
                max(last_time) AS newest
           FROM sluice.freshness_series WHERE dataset = d.name) AS c`,
    [
      monitored.map((dataset) => dataset.name),
      monitored.map((d) => freshnessCutoff(now, d.freshness!.maxAgeMs).toISOString()),
    ],
  );
  const countsOf = new Map(counts.map((row) => [row.dataset, row]));
  const rowsOf = Map.groupBy(await stalestRows(db, monitored, now, query.limit, false), (row) => row.dataset);
  const feeding = pipelinesByDataset(project);
  const lastRuns = await lastSuccessfulRuns(
    db,
    datasets.flatMap((dataset) => feeding.get(dataset.name) ?? []),
  );

  const reports = datasets.map((dataset): DatasetFreshness => {
    const pipelines = feeding.get(dataset.name) ?? [];
    const lastSuccessfulRun =
      pipelines
        .map((name) => lastRuns.get(name))
        .filter((run) => run !== undefined)
        .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))[0] ?? null;
    const base = { dataset: dataset.name, pipelines, lastSuccessfulRun };
    const rule = dataset.freshness;
    if (!rule) {
      return {
        ...base,
        status: FreshnessStatus.unmonitored,
        maxAge: null,
        seriesColumns: [],
        counts: { series: 0, fresh: 0, stale: 0, never: 0 },
        lastTime: null,
        series: [],
      };
    }
    const count = countsOf.get(dataset.name);
    const total = count?.total ?? 0;
    // No summary row at all: the dataset never had a record, shown as one `never` series.
    const tally =
      total === 0
        ? { fresh: 0, stale: 0, never: 1 }
        : { fresh: total - count!.stale, stale: count!.stale, never: 0 };
    const rows = rowsOf.get(dataset.name) ?? [];
    return {
      ...base,
      status: datasetStatus(tally),
      maxAge: rule.maxAge,
      seriesColumns: [...rule.series],
      counts: { series: total, ...tally },
      lastTime: iso(count?.newest),
      series:
        total === 0 ? [toSeries(dataset, undefined, now)] : rows.map((row) => toSeries(dataset, row, now)),
    };
  });
  reports.sort((a, b) => compareDatasetStatus(a.status, b.status) || a.dataset.localeCompare(b.dataset));
  return {
    status: projectStatus(reports.map((report) => report.status)),
    checkedAt: now.toISOString(),
    datasets: reports,
  };
}

/**
 * The `limit` stalest series (stale or never) over all monitored datasets, stalest first by when
 * they crossed their own maxAge. Each dataset contributes at most `limit` through its index.
 */
export async function readStalestSeries(
  db: Queryable,
  project: FreshnessProject,
  query: ResolvedFreshnessQuery,
): Promise<SeriesFreshness[]> {
  const monitored = selectDatasets(project, query.dataset).filter((dataset) => dataset.freshness);
  await ensureFreshnessSummary(db, project.schema, monitored);
  const { now } = query;
  const { rows: present } = await db.query<{ dataset: string }>(
    `SELECT d.name AS dataset FROM unnest($1::text[]) AS d(name)
      WHERE EXISTS (SELECT 1 FROM sluice.freshness_series WHERE dataset = d.name)`,
    [monitored.map((dataset) => dataset.name)],
  );
  const withRows = new Set(present.map((row) => row.dataset));
  const byName = new Map(monitored.map((dataset) => [dataset.name, dataset]));
  const stale = (await stalestRows(db, monitored, now, query.limit, true)).map((row) =>
    toSeries(byName.get(row.dataset)!, row, now),
  );
  const never = monitored
    .filter((dataset) => !withRows.has(dataset.name))
    .map((dataset) => toSeries(dataset, undefined, now));
  const staleAt = (entry: SeriesFreshness) => ({
    staleAt: entry.staleAt === null ? null : new Date(entry.staleAt),
  });
  return [...never, ...stale].sort((a, b) => compareStalest(staleAt(a), staleAt(b))).slice(0, query.limit);
}

interface ChangedRow {
  series: Record<string, unknown>;
  last_time: Date;
  provider: string | null;
  previous: SeriesStatusChange['previous'];
  status: 'fresh' | 'stale';
}

/**
 * Sets the status of every series whose status changed at `now`. Rows are locked in series order
 * with SKIP LOCKED: a row another monitor or a batch write holds is left for the next pass, so
 * two processes never both record (and report) one transition and the loop never waits on writes.
 */
const UPDATE_STATUS = `
  WITH candidates AS (
    SELECT dataset, series, status AS previous FROM sluice.freshness_series
     WHERE dataset = $1
       AND ((last_time < $2 AND status IS DISTINCT FROM 'stale') OR (last_time >= $2 AND status IS DISTINCT FROM 'fresh'))
     ORDER BY series FOR UPDATE SKIP LOCKED
  )
  UPDATE sluice.freshness_series AS f
     SET status = CASE WHEN f.last_time < $2 THEN 'stale' ELSE 'fresh' END, status_changed_at = $3
    FROM candidates AS c
   WHERE f.dataset = c.dataset AND f.series = c.series
     AND (CASE WHEN f.last_time < $2 THEN 'stale' ELSE 'fresh' END) IS DISTINCT FROM f.status
  RETURNING f.series, f.last_time, f.provider, c.previous, f.status`;

/** The freshness port on one database, for the project's datasets and pipelines. */
export function createFreshnessQueries(
  db: Queryable,
  project: FreshnessProject,
): FreshnessReader & FreshnessStatusStore {
  return {
    report: (query) => readFreshnessReport(db, project, query),
    stalest: (query) => readStalestSeries(db, project, query),
    ensureSummary: (datasets) => ensureFreshnessSummary(db, project.schema, datasets),
    recordStatusChanges: (change, eventsOf) =>
      db.transaction(async (tx) => {
        const { rows } = await tx.query<ChangedRow>(UPDATE_STATUS, [
          change.dataset,
          change.cutoff.toISOString(),
          change.at.toISOString(),
        ]);
        const changes = rows.map(
          (row): SeriesStatusChange => ({
            series: row.series,
            lastTime: row.last_time,
            provider: row.provider,
            previous: row.previous,
            status: row.status,
          }),
        );
        const events = eventsOf(changes);
        if (events.length > 0) {
          // publish_event (0004_events.sql) inserts the row and NOTIFYs its id, like the run triggers.
          await tx.query(
            `SELECT sluice.publish_event(e->>'type', e->'payload') FROM jsonb_array_elements($1::jsonb) AS e`,
            [JSON.stringify(events)],
          );
        }
        return changes;
      }),
  };
}

// Datasets as people read them: definitions with sizes, the latest records per provider, and
// filtered, sorted, paged records (the API's JSON and CSV reads).
import type { ColumnSpec } from '../domain/column-type.ts';
import type { DatasetDefinition } from '../domain/dataset-definition.ts';
import { systemColumns } from '../domain/dataset-definition.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Project } from './app.ts';
import type { DatasetStats, StatsStore } from './status.ts';

export interface RecordQuery {
  /** Equality filters on key columns, as text (cast to the column's type by Postgres). */
  keys: Record<string, string>;
  from?: string;
  to?: string;
  sort?: string;
  order: 'asc' | 'desc';
  limit: number;
  /** Only rows after this position of the same sort and order (keyset paging). */
  after?: RecordPosition;
}

/**
 * Where a row sits in a sorted listing: its sort column's value, then its key columns' values,
 * as PostgreSQL prints them (exact: a timestamp keeps its microseconds); null for a null sort value.
 */
export type RecordPosition = ReadonlyArray<string | null>;

export interface PositionedRecord {
  record: Record<string, unknown>;
  position: RecordPosition;
}

export interface ProviderPreview {
  provider: string | null;
  records: Record<string, unknown>[];
}

export interface DatasetReader {
  /** Bad filter values, unknown columns and a position of another shape are UsageErrors. */
  records(dataset: DatasetDefinition, query: RecordQuery): Promise<PositionedRecord[]>;
  /** The latest `perProvider` records of each provider that served the dataset. */
  preview(dataset: DatasetDefinition, perProvider: number): Promise<ProviderPreview[]>;
}

export interface DatasetSummary {
  name: string;
  description: string | null;
  table: string;
  key: readonly string[];
  time: string;
  write: DatasetDefinition['write'];
  columns: ColumnSpec[];
  /** Sizes with a 7-day recent window. */
  stats: DatasetStats | undefined;
}

export interface DatasetRecordPage {
  dataset: DatasetDefinition;
  records: Record<string, unknown>[];
  /** Pass as `after` for the next page; null on the last one. */
  next: RecordPosition | null;
}

export interface DatasetsPorts {
  reader: DatasetReader;
  stats: Pick<StatsStore, 'datasetStats'>;
  project: Omit<Project, 'pipeline'>;
}

export interface Datasets {
  list(): Promise<DatasetSummary[]>;
  /** The dataset of that name; a NotFoundError otherwise. */
  get(name: string): DatasetDefinition;
  preview(
    name: string,
    perProvider: number,
  ): Promise<{ dataset: DatasetDefinition; providers: ProviderPreview[] }>;
  /** One page of `query.limit` records after `query.after`. */
  records(name: string, query: RecordQuery): Promise<DatasetRecordPage>;
}

export function createDatasets(ports: DatasetsPorts): Datasets {
  const { project } = ports;
  const get = (name: string): DatasetDefinition => {
    const dataset = project.config.datasets.get(name);
    if (!dataset) throw new NotFoundError(`dataset "${name}" is not defined`);
    return dataset;
  };
  return {
    async list() {
      const datasets = [...project.config.datasets.values()];
      const stats = await ports.stats.datasetStats(datasets, 7);
      return datasets.map((dataset, index) => ({
        name: dataset.name,
        description: dataset.description ?? null,
        table: `${project.schema}.${dataset.table}`,
        key: dataset.key,
        time: dataset.time,
        write: dataset.write,
        columns: [...dataset.columns, ...systemColumns],
        stats: stats[index],
      }));
    },
    get,
    async preview(name, perProvider) {
      const dataset = get(name);
      return { dataset, providers: await ports.reader.preview(dataset, perProvider) };
    },
    async records(name, query) {
      const dataset = get(name);
      // One row more than asked says whether there is a next page.
      const rows = await ports.reader.records(dataset, { ...query, limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      return {
        dataset,
        records: page.map((row) => row.record),
        next: rows.length > query.limit ? (page.at(-1)?.position ?? null) : null,
      };
    },
  };
}

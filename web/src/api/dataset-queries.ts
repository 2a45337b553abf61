// Server state of the datasets and quarantine pages: definitions, previews, records, the chart's
// points, the quarantine and its replay; keyed so live run events can invalidate them.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { request } from './client.ts';
import type {
  DatasetPreviewResponse,
  DatasetRecordsResponse,
  DatasetsResponse,
  QuarantineResponse,
  RejectionStage,
  ReplayResult,
} from './types.ts';

/** Query key roots; live.ts invalidates them when a run ends (a run writes records and quarantines). */
export const datasetKeys = {
  datasets: ['datasets'],
  quarantine: ['quarantine'],
} as const;

/** The records table's filters: equality on key columns, and a time range [from, to) as ISO instants. */
export interface RecordFilters {
  keys: Record<string, string>;
  from: string | undefined;
  to: string | undefined;
}

const PAGE_SIZE = 25;
/** The chart draws the latest points up to this many (the route's own limit is 10,000). */
export const CHART_POINTS = 5000;
/** The CSV link exports at most this many rows, the route's limit for one request. */
export const CSV_ROWS = 10_000;

function recordsQuery(filters: RecordFilters, extra: Record<string, string>): URLSearchParams {
  const query = new URLSearchParams(extra);
  for (const [name, value] of Object.entries(filters.keys)) if (value) query.set(name, value);
  if (filters.from) query.set('from', filters.from);
  if (filters.to) query.set('to', filters.to);
  return query;
}

const datasetPath = (name: string) => `/api/datasets/${encodeURIComponent(name)}`;

export function useDatasets() {
  return useQuery({
    queryKey: datasetKeys.datasets,
    queryFn: ({ signal }) => request<DatasetsResponse>('/api/datasets', { signal }),
  });
}

export function useDatasetPreview(name: string) {
  return useQuery({
    queryKey: [...datasetKeys.datasets, name, 'preview'],
    queryFn: ({ signal }) =>
      request<DatasetPreviewResponse>(`${datasetPath(name)}/preview?per=5`, { signal }),
  });
}

/** Newest first, paged by the API's nextCursor. */
export function useDatasetRecords(name: string, filters: RecordFilters) {
  return useInfiniteQuery({
    queryKey: [...datasetKeys.datasets, name, 'records', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => {
      const query = recordsQuery(filters, { limit: String(PAGE_SIZE) });
      if (pageParam) query.set('cursor', pageParam);
      return request<DatasetRecordsResponse>(`${datasetPath(name)}/records?${query}`, { signal });
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** The latest CHART_POINTS records under the same filters, oldest first as a chart draws them. */
export function useChartRecords(name: string, filters: RecordFilters) {
  return useQuery({
    queryKey: [...datasetKeys.datasets, name, 'chart', filters],
    queryFn: async ({ signal }) => {
      const query = recordsQuery(filters, { limit: String(CHART_POINTS), order: 'desc' });
      const page = await request<DatasetRecordsResponse>(`${datasetPath(name)}/records?${query}`, { signal });
      return { records: [...page.records].reverse(), truncated: page.nextCursor !== null };
    },
  });
}

/**
 * The CSV export of the filtered records. A plain same-origin link: the browser sends the session
 * cookie with it (SameSite=Strict allows a same-site navigation) and a GET needs no CSRF header.
 */
export function csvHref(name: string, filters: RecordFilters): string {
  return `${datasetPath(name)}/records?${recordsQuery(filters, { format: 'csv', limit: String(CSV_ROWS) })}`;
}

export interface QuarantineFilters {
  dataset: string | undefined;
  run: string | undefined;
  stage: RejectionStage | undefined;
  reason: string | undefined;
  pending: boolean;
}

/** Newest first, paged by the API's nextCursor (a record id). */
export function useQuarantine(filters: QuarantineFilters) {
  return useInfiniteQuery({
    queryKey: [...datasetKeys.quarantine, filters],
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam, signal }) => {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      for (const name of ['dataset', 'run', 'stage', 'reason'] as const) {
        const value = filters[name];
        if (value) query.set(name, value);
      }
      if (filters.pending) query.set('pending', 'true');
      if (pageParam !== undefined) query.set('cursor', String(pageParam));
      return request<QuarantineResponse>(`/api/quarantine?${query}`, { signal });
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** POST /api/quarantine/replay?run= (analyst): re-validates the run's pending records in a new run. */
export function useReplayQuarantine() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (run: string) =>
      request<ReplayResult>(`/api/quarantine/replay?${new URLSearchParams({ run })}`, { method: 'POST' }),
    onSettled: () => {
      for (const key of [datasetKeys.quarantine, datasetKeys.datasets]) {
        void client.invalidateQueries({ queryKey: key });
      }
    },
  });
}

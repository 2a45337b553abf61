// Server state of the pages: one TanStack Query hook per route read, keyed so live events can invalidate them.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { request } from './client.ts';
import type {
  BackfillsResponse,
  FreshnessResponse,
  PipelinesResponse,
  RunDetailResponse,
  RunStatus,
  RunSummary,
  RunsResponse,
  StatsResponse,
} from './types.ts';

/** Query key roots; live.ts invalidates by these. */
export const keys = {
  freshness: ['freshness'],
  stats: ['stats'],
  runs: ['runs'],
  run: ['run'],
  backfills: ['backfills'],
  pipelines: ['pipelines'],
} as const;

const DAY_MS = 86_400_000;

export function useFreshness() {
  return useQuery({
    queryKey: keys.freshness,
    queryFn: ({ signal }) => request<FreshnessResponse>('/api/freshness?limit=50', { signal }),
  });
}

export function useStats(days: number) {
  return useQuery({
    queryKey: [...keys.stats, days],
    queryFn: ({ signal }) => request<StatsResponse>(`/api/stats?days=${days}`, { signal }),
  });
}

/** Failed and partial runs queued in the last 24 h, newest first (the list route takes one status). */
export function useRecentProblemRuns() {
  return useQuery({
    queryKey: [...keys.runs, 'problems'],
    queryFn: async ({ signal }) => {
      const from = new Date(Date.now() - DAY_MS).toISOString();
      const pages = await Promise.all(
        (['failed', 'partial'] as const).map((status) =>
          request<RunsResponse>(`/api/runs?${new URLSearchParams({ status, from, limit: '20' })}`, {
            signal,
          }),
        ),
      );
      return pages
        .flatMap((page) => page.runs)
        .sort((a, b) => b.queuedAt.localeCompare(a.queuedAt))
        .slice(0, 20);
    },
  });
}

export function useActiveBackfills() {
  return useQuery({
    queryKey: [...keys.backfills, 'active'],
    queryFn: ({ signal }) => request<BackfillsResponse>('/api/backfills?status=active', { signal }),
  });
}

export function usePipelines() {
  return useQuery({
    queryKey: keys.pipelines,
    queryFn: ({ signal }) => request<PipelinesResponse>('/api/pipelines', { signal }),
  });
}

export interface RunFilters {
  pipeline: string | undefined;
  status: RunStatus | undefined;
}

/** Keyset paging: each page asks for the runs after the previous page's nextCursor. */
export function useRuns(filters: RunFilters) {
  return useInfiniteQuery({
    queryKey: [...keys.runs, 'list', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) => {
      const query = new URLSearchParams({ limit: '25' });
      if (filters.pipeline) query.set('pipeline', filters.pipeline);
      if (filters.status) query.set('status', filters.status);
      if (pageParam) query.set('cursor', pageParam);
      return request<RunsResponse>(`/api/runs?${query}`, { signal });
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function useRun(id: string) {
  return useQuery({
    queryKey: [...keys.run, id],
    queryFn: ({ signal }) => request<RunDetailResponse>(`/api/runs/${encodeURIComponent(id)}`, { signal }),
  });
}

/** POST /api/runs/:id/cancel (admin). */
export function useCancelRun(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      request<{ cancelled: RunSummary }>(`/api/runs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),
    onSettled: () => client.invalidateQueries({ queryKey: keys.run }),
  });
}

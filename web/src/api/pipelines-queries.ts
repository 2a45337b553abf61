// Server state of the pipelines and freshness pages: the writes they make (trigger a run, refresh
// stale series) and the full freshness read; reads share the `keys` roots so live.ts invalidates them.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { request } from './client.ts';
import { keys } from './queries.ts';
import type { FreshnessResponse, RefreshStaleBody, RefreshStaleResult, RunQueued } from './types.ts';

/** Series per dataset the freshness page asks for: every series of a project of our size. */
export const FRESHNESS_PAGE_LIMIT = 1000;

export function useAllFreshness() {
  return useQuery({
    queryKey: [...keys.freshness, 'all'],
    queryFn: ({ signal }) =>
      request<FreshnessResponse>(`/api/freshness?limit=${FRESHNESS_PAGE_LIMIT}`, { signal }),
  });
}

export interface TriggerOptions {
  /** The whole partition key, or only its keys when `date` names the time window. */
  partition?: string;
  /** A local date YYYY-MM-DD: the time partition containing it. */
  date?: string;
}

/** POST /api/pipelines/:name/runs (analyst): the run is queued and its id answered at once. */
export function useTriggerRun(pipeline: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (options: TriggerOptions) => {
      const query = new URLSearchParams();
      if (options.partition) query.set('partition', options.partition);
      if (options.date) query.set('date', options.date);
      const suffix = query.size > 0 ? `?${query}` : '';
      return request<RunQueued>(`/api/pipelines/${encodeURIComponent(pipeline)}/runs${suffix}`, {
        method: 'POST',
      });
    },
    onSuccess: () => client.invalidateQueries({ queryKey: keys.pipelines }),
  });
}

/** POST /api/freshness/refresh (analyst): the pipelines feeding the stalest series are triggered. */
export function useRefreshStale() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: NonNullable<RefreshStaleBody>) =>
      request<RefreshStaleResult>('/api/freshness/refresh', { method: 'POST', body }),
    onSettled: () => client.invalidateQueries({ queryKey: keys.freshness }),
  });
}

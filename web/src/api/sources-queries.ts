// Server state of the sources page: the providers' list, invalidated by breaker events, and the admin's reset.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { request } from './client.ts';
import type { SourceResetResponse, SourcesResponse } from './types.ts';

/** Query key root; live.ts invalidates it on `breaker:*` events. */
export const sourceKeys = { sources: ['sources'] } as const;

export const BREAKER_EVENTS = ['breaker:opened', 'breaker:half-opened', 'breaker:closed'] as const;

export function useSources() {
  return useQuery({
    queryKey: sourceKeys.sources,
    queryFn: ({ signal }) => request<SourcesResponse>('/api/sources', { signal }),
  });
}

/** POST /api/sources/:name/reset (admin). */
export function useResetSource(name: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      request<SourceResetResponse>(`/api/sources/${encodeURIComponent(name)}/reset`, { method: 'POST' }),
    // The breaker:closed event says so too, but only when the state changed (not for a closed one).
    onSettled: () => client.invalidateQueries({ queryKey: sourceKeys.sources }),
  });
}

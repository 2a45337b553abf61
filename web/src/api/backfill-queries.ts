// Server state of the backfills pages: the list, one backfill with its grid, and the actions on them.
// Keys sit under keys.backfills, so live.ts refreshes them on every backfill:* event.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { request } from './client.ts';
import { keys } from './queries.ts';
import type { BackfillBody, BackfillDetailResponse, BackfillsResponse, CreateBackfillBody } from './types.ts';

export type BackfillAction = 'pause' | 'resume' | 'cancel' | 'retry-failed';

const backfillPath = (id: string) => `/api/backfills/${encodeURIComponent(id)}`;

export function useBackfills() {
  return useQuery({
    queryKey: [...keys.backfills, 'list'],
    queryFn: ({ signal }) => request<BackfillsResponse>('/api/backfills?limit=100', { signal }),
  });
}

export function useBackfill(id: string) {
  return useQuery({
    queryKey: [...keys.backfills, 'detail', id],
    queryFn: ({ signal }) => request<BackfillDetailResponse>(backfillPath(id), { signal }),
  });
}

/** Every backfill query is refreshed after an action: the events would do it too, a moment later. */
function useInvalidateBackfills() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: keys.backfills });
}

/** POST /api/backfills (analyst+); a 400 problem names what is wrong with the form. */
export function useCreateBackfill() {
  const invalidate = useInvalidateBackfills();
  return useMutation({
    mutationFn: (body: CreateBackfillBody) =>
      request<BackfillBody>('/api/backfills', { method: 'POST', body }),
    onSettled: invalidate,
  });
}

/** Pause, resume, cancel or retry-failed (analyst+). */
export function useBackfillAction(id: string) {
  const invalidate = useInvalidateBackfills();
  return useMutation({
    mutationFn: (action: BackfillAction) =>
      request<BackfillBody>(`${backfillPath(id)}/${action}`, { method: 'POST' }),
    onSettled: invalidate,
  });
}

/** Runs one partition again (analyst+); the key is one path segment, so it is URL-encoded. */
export function useRetryPartition(id: string) {
  const invalidate = useInvalidateBackfills();
  return useMutation({
    mutationFn: (partition: string) =>
      request<BackfillBody>(`${backfillPath(id)}/partitions/${encodeURIComponent(partition)}/retry`, {
        method: 'POST',
      }),
    onSettled: invalidate,
  });
}

// Server state of the key sets pages: the sets, one set's keys, and the admin's writes (upsert, replace, remove).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { request } from './client.ts';
import type {
  KeyInput,
  KeyRemovedResponse,
  KeySetChange,
  KeySetKeysResponse,
  KeySetsResponse,
} from './types.ts';

/** Query key roots; key sets publish no events, so writes invalidate them. */
export const keySetKeys = { list: ['key-sets'], keys: ['key-set'] } as const;

const setPath = (name: string) => `/api/key-sets/${encodeURIComponent(name)}`;

export function useKeySets() {
  return useQuery({
    queryKey: keySetKeys.list,
    queryFn: ({ signal }) => request<KeySetsResponse>('/api/key-sets', { signal }),
  });
}

export function useKeySet(name: string) {
  return useQuery({
    queryKey: [...keySetKeys.keys, name],
    queryFn: ({ signal }) => request<KeySetKeysResponse>(setPath(name), { signal }),
  });
}

export type KeyWrite =
  | { kind: 'upsert'; keys: KeyInput[] }
  | { kind: 'replace'; keys: KeyInput[] }
  | { kind: 'remove'; key: string };

/** upsertKeys (POST), replaceKeySet (PUT) or removeKey (DELETE) on one set (admin). */
export function useKeySetWrite(name: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (write: KeyWrite): Promise<KeySetChange | KeyRemovedResponse> => {
      if (write.kind === 'remove') {
        return request<KeyRemovedResponse>(`${setPath(name)}/keys/${encodeURIComponent(write.key)}`, {
          method: 'DELETE',
        });
      }
      return request<KeySetChange>(write.kind === 'upsert' ? `${setPath(name)}/keys` : setPath(name), {
        method: write.kind === 'upsert' ? 'POST' : 'PUT',
        body: { keys: write.keys },
      });
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey: keySetKeys.list });
      void client.invalidateQueries({ queryKey: [...keySetKeys.keys, name] });
    },
  });
}

// The live stream: /api/events with the session cookie; run and backfill events invalidate the queries they change.
import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { datasetKeys } from './dataset-queries.ts';
import { keys } from './queries.ts';
import { recheckSession } from './session.ts';
import { BREAKER_EVENTS, sourceKeys } from './sources-queries.ts';

export type LiveState = 'connecting' | 'live' | 'offline';

const RUN_EVENTS = ['queued', 'running', 'succeeded', 'partial', 'failed', 'skipped', 'cancelled'].map(
  (status) => `run:${status}`,
);
const BACKFILL_EVENTS = ['active', 'paused', 'completed', 'failed', 'cancelled', 'progress'].map(
  (status) => `backfill:${status}`,
);
const FRESHNESS_EVENTS = ['freshness:stale', 'freshness:fresh'];
const WROTE_EVENTS = new Set(['run:succeeded', 'run:partial', 'run:failed']);
const RETRY_MS = 3000;
/**
 * Backfill events come in bursts (a progress event per batch of partitions, up to tens a second):
 * their queries are refreshed at most this often, always after the last event. Refreshing on each
 * one would cancel the previous refetch of a 1,000-partition grid before it landed.
 */
const BACKFILL_COALESCE_MS = 250;

function invalidateFor(client: QueryClient, type: string, backfillsLater: () => void): void {
  if (type.startsWith('run:')) {
    // A run changes its lists, its detail, the totals it wrote, the freshness of what it fed, and
    // the call stats (latency, last success, rate-limit use) of the providers it called.
    for (const key of [keys.runs, keys.run, keys.stats, keys.freshness, keys.pipelines, sourceKeys.sources]) {
      void client.invalidateQueries({ queryKey: key });
    }
    // Only a run that ended wrote or quarantined records (the datasets and quarantine pages).
    if (!WROTE_EVENTS.has(type)) return;
    for (const key of [datasetKeys.datasets, datasetKeys.quarantine]) {
      void client.invalidateQueries({ queryKey: key });
    }
  } else if (type.startsWith('backfill:')) {
    backfillsLater();
  } else if (type.startsWith('freshness:')) {
    void client.invalidateQueries({ queryKey: keys.freshness });
  } else if (type.startsWith('breaker:')) {
    void client.invalidateQueries({ queryKey: sourceKeys.sources });
  }
}

/**
 * Subscribes while mounted. EventSource reconnects by itself with Last-Event-ID after a drop; when
 * the server refuses the stream (CLOSED), the session is checked and, if still valid, the stream
 * reopened from the last id seen.
 */
export function useLiveEvents(): LiveState {
  const client = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');

  useEffect(() => {
    let source: EventSource | undefined;
    let lastEventId: string | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let wasOffline = false;
    let backfillTimer: ReturnType<typeof setTimeout> | undefined;
    const backfillsLater = () => {
      backfillTimer ??= setTimeout(() => {
        backfillTimer = undefined;
        void client.invalidateQueries({ queryKey: keys.backfills });
      }, BACKFILL_COALESCE_MS);
    };

    const handle = (event: MessageEvent) => {
      if (event.lastEventId) lastEventId = event.lastEventId;
      invalidateFor(client, event.type, backfillsLater);
    };

    const connect = () => {
      const query = lastEventId ? `?${new URLSearchParams({ lastEventId })}` : '';
      source = new EventSource(`/api/events${query}`, { withCredentials: true });
      for (const type of [...RUN_EVENTS, ...BACKFILL_EVENTS, ...FRESHNESS_EVENTS, ...BREAKER_EVENTS]) {
        source.addEventListener(type, handle);
      }
      source.addEventListener('replay:truncated', () => void client.invalidateQueries());
      source.addEventListener('revoked', () => {
        source?.close();
        void recheckSession();
      });
      source.onopen = () => {
        setState('live');
        // Events missed while offline are replayed, but a long gap may have been truncated.
        if (wasOffline) void client.invalidateQueries();
        wasOffline = false;
      };
      source.onerror = () => {
        setState('offline');
        wasOffline = true;
        if (source?.readyState !== EventSource.CLOSED || stopped) return;
        void recheckSession().then(() => {
          if (!stopped) retry = setTimeout(connect, RETRY_MS);
        });
      };
    };

    const goOffline = () => setState('offline');
    window.addEventListener('offline', goOffline);
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      clearTimeout(backfillTimer);
      source?.close();
      window.removeEventListener('offline', goOffline);
    };
  }, [client]);

  return state;
}

// The typed event map, publishing, reading and pruning sluice.events, and the LISTEN connection announcing new ids.
import pg from 'pg';
import type { BackfillStatus, PartitionState } from '../../domain/backfill.ts';
import type { BreakerEvent, BreakerState } from '../../domain/circuit-breaker.ts';
import type { FreshnessEvent, FreshnessEventPayload } from '../../domain/freshness.ts';
import type { RunStatus } from '../../domain/run-status.ts';
import { startLoop } from '../loop.ts';
import type { Database, Queryable } from './database.ts';
import { pgliteOf } from './pglite-database.ts';

/** The channel the triggers of 0004_events.sql notify, with the event id as payload. */
export const EVENT_CHANNEL = 'sluice_events';

export interface RunEventPayload {
  id: string;
  pipeline: string;
  dataset: string;
  status: RunStatus;
  trigger: string;
  attempt: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  fetched: number;
}

export interface TickEventPayload {
  pipeline: string;
  /** ISO 8601 in UTC, as Date.toISOString writes it. */
  scheduledAt: string;
  reason: string | null;
  runId: string | null;
}

/** A breaker's state change, published by breaker-store.ts in the transaction that made it. */
export interface BreakerEventPayload {
  provider: string;
  state: BreakerState;
  previousState: BreakerState;
  consecutiveFailures: number;
  reason: string;
  /** ISO 8601 in UTC. */
  at: string;
}

/** A backfill was created or changed status (backfill_status_event in 0009). */
export interface BackfillEventPayload {
  id: string;
  pipeline: string;
  status: BackfillStatus;
  total: number;
}

/** Partitions of a backfill changed state (backfill_progress_event in 0009): counts after the change. */
export interface BackfillProgressPayload {
  id: string;
  pipeline: string;
  status: BackfillStatus;
  counts: Partial<Record<PartitionState, number>>;
  /** The partitions that changed, in plan order (at most 100). */
  partitions: Array<{
    partition: string;
    status: PartitionState;
    attempts: number;
    runId: string | null;
    error: string | null;
  }>;
}

/**
 * Every stored event type with its payload: what the triggers of 0004_events.sql and 0009 write,
 * and what publishEvents accepts (breaker changes, freshness transitions).
 */
export type EventPayloads = { [S in RunStatus as `run:${S}`]: RunEventPayload } & {
  'tick:fired': TickEventPayload;
  'tick:skipped': TickEventPayload;
  'tick:missed': TickEventPayload;
} & { [E in BreakerEvent]: BreakerEventPayload } & {
  [S in BackfillStatus as `backfill:${S}`]: BackfillEventPayload;
} & { 'backfill:progress': BackfillProgressPayload } & { [E in FreshnessEvent]: FreshnessEventPayload };
export type EventType = keyof EventPayloads;

/** An event to publish: a type of EventPayloads with its payload, so an unknown type does not compile. */
export type PublishedEvent = { [T in EventType]: { type: T; payload: EventPayloads[T] } }[EventType];

/**
 * Stores the events and NOTIFYs their ids (sluice.publish_event of 0004_events.sql). Given
 * the transaction that made the change, an event exists exactly when its change does.
 */
export async function publishEvents(db: Queryable, events: readonly PublishedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `SELECT sluice.publish_event(e->>'type', e->'payload') FROM jsonb_array_elements($1::jsonb) AS e`,
    [JSON.stringify(events)],
  );
}

export type EventRecord = {
  [T in EventType]: { id: number; type: T; payload: EventPayloads[T]; createdAt: string };
}[EventType];

interface EventRow {
  id: number | string;
  type: EventType;
  payload: EventRecord['payload'];
  created_at: Date;
}

function toRecord(row: EventRow): EventRecord {
  return {
    id: Number(row.id),
    type: row.type,
    payload: row.payload,
    createdAt: row.created_at.toISOString(),
  } as EventRecord;
}

/** Events with an id above `afterId`, oldest first. */
export async function readEventsAfter(db: Queryable, afterId: number, limit: number): Promise<EventRecord[]> {
  const { rows } = await db.query<EventRow>(
    'SELECT id, type, payload, created_at FROM sluice.events WHERE id > $1 ORDER BY id LIMIT $2',
    [afterId, limit],
  );
  return rows.map(toRecord);
}

/** The events with these ids that exist (rolled-back or pruned ids are simply absent), oldest first. */
export async function readEventsById(db: Queryable, ids: readonly number[]): Promise<EventRecord[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<EventRow>(
    'SELECT id, type, payload, created_at FROM sluice.events WHERE id = ANY($1::bigint[]) ORDER BY id',
    [ids],
  );
  return rows.map(toRecord);
}

/** The highest event id, or 0 when there are none. */
export async function latestEventId(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ id: number | string }>(
    'SELECT coalesce(max(id), 0) AS id FROM sluice.events',
  );
  return Number(rows[0]?.id ?? 0);
}

/** Deletes events created before `olderThan`; returns how many. */
export async function pruneEvents(db: Queryable, olderThan: Date): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM sluice.events WHERE created_at < $1', [olderThan]);
  return rowCount;
}

export interface EventListener {
  close(): Promise<void>;
}

export interface ListenOptions {
  /**
   * Called after a lost PostgreSQL connection is listening again: notifications sent while it was
   * down are gone, so the caller reads the rows after the last id it handled.
   */
  onReconnect?: () => void;
  onError?: (error: unknown) => void;
  /** How often to poll when LISTEN is not available. @defaultValue 1000 ms */
  pollMs?: number;
}

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 30_000;
const HEALTH_CHECK_MS = 30_000;

/**
 * Calls `onId` with the id of every event committed from now on. PGlite listens in-process;
 * PostgreSQL gets one dedicated connection (not from the pool: a pooled client would be handed
 * back and lose its LISTEN) that reconnects with backoff. Without a URL it polls instead.
 */
export async function listenForEvents(
  db: Database,
  databaseUrl: string | undefined,
  onId: (id: number) => void,
  options: ListenOptions = {},
): Promise<EventListener> {
  const announce = (payload: string | undefined) => {
    const id = Number(payload);
    if (Number.isSafeInteger(id) && id > 0) onId(id);
  };
  const listening = await listenOnChannel(db, databaseUrl, EVENT_CHANNEL, announce, options);
  return listening ?? pollForEvents(db, onId, options);
}

/**
 * Calls `onPayload` with every notification on `channel` from now on, as listenForEvents does;
 * undefined when LISTEN is not available here (PostgreSQL without a URL), so the caller polls.
 */
export async function listenOnChannel(
  db: Database,
  databaseUrl: string | undefined,
  channel: string,
  onPayload: (payload: string | undefined) => void,
  options: ListenOptions = {},
): Promise<EventListener | undefined> {
  const lite = db.kind === 'pglite' ? pgliteOf(db) : undefined;
  if (lite) {
    const unlisten = await lite.listen(channel, onPayload);
    // The database may be closed already when the server shuts down after it.
    return { close: () => unlisten().catch(() => {}) };
  }
  if (db.kind === 'postgres' && databaseUrl) return listenOnServer(databaseUrl, channel, onPayload, options);
  return undefined;
}

async function listenOnServer(
  url: string,
  channel: string,
  announce: (payload: string | undefined) => void,
  options: ListenOptions,
): Promise<EventListener> {
  let client: pg.Client | undefined;
  let closed = false;
  let delay = BACKOFF_MIN_MS;
  let reconnectTimer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<pg.Client> => {
    const next = new pg.Client({
      connectionString: url,
      // sluice-events for the event channel: what operators and tests look for in pg_stat_activity.
      application_name: channel.replaceAll('_', '-'),
      // A peer that vanished without a FIN is found by keepalive or by the health query timing out.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 10_000,
      query_timeout: 10_000,
    });
    next.on('notification', (message) => {
      if (message.channel === channel) announce(message.payload);
    });
    next.on('error', (error) => {
      options.onError?.(error);
      drop(next);
    });
    next.on('end', () => drop(next));
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
    } catch (error) {
      await next.end().catch(() => {});
      throw error;
    }
    return next;
  };

  const drop = (dead: pg.Client) => {
    if (client !== dead) return;
    client = undefined;
    dead.end().catch(() => {});
    if (!closed) scheduleReconnect();
  };

  const scheduleReconnect = () => {
    reconnectTimer = setTimeout(async () => {
      reconnectTimer = undefined;
      if (closed) return;
      try {
        const next = await connect();
        if (closed) {
          await next.end().catch(() => {});
          return;
        }
        client = next;
        delay = BACKOFF_MIN_MS;
        options.onReconnect?.();
      } catch (error) {
        options.onError?.(error);
        delay = Math.min(delay * 2, BACKOFF_MAX_MS);
        scheduleReconnect();
      }
    }, delay);
    reconnectTimer.unref();
  };

  client = await connect();
  const health = startLoop({
    name: 'event listener health check',
    everyMs: HEALTH_CHECK_MS,
    ...(options.onError ? { onError: options.onError } : {}),
    run: async () => {
      const current = client;
      try {
        await current?.query('SELECT 1');
      } catch (error) {
        if (current) drop(current);
        throw error;
      }
    },
  });

  return {
    async close() {
      closed = true;
      void health.stop();
      if (reconnectTimer) clearTimeout(reconnectTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => {});
    },
  };
}

/** The fallback without LISTEN: ids above the last one seen, read every `pollMs`. */
async function pollForEvents(
  db: Queryable,
  onId: (id: number) => void,
  options: ListenOptions,
): Promise<EventListener> {
  let cursor = await latestEventId(db);
  const poll = async () => {
    const { rows } = await db.query<{ id: number | string }>(
      'SELECT id FROM sluice.events WHERE id > $1 ORDER BY id LIMIT 1000',
      [cursor],
    );
    for (const row of rows) {
      cursor = Number(row.id);
      onId(cursor);
    }
  };
  const loop = startLoop({
    name: 'event poll',
    everyMs: options.pollMs ?? 1000,
    ...(options.onError ? { onError: options.onError } : {}),
    run: poll,
  });
  return { close: () => loop.stop() };
}

// Server-Sent Events: one database listener fanned out to every client, replay after Last-Event-ID,
// and the single-use tickets a browser's EventSource connects with.
import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { errorMessage } from '../../domain/errors.ts';
import type { Clock, Logger } from '../../engine/ports.ts';
import type { Database, Queryable } from '../postgres/database.ts';
import {
  type EventListener,
  type EventRecord,
  latestEventId,
  listenForEvents,
  readEventsAfter,
  readEventsById,
} from '../postgres/event-store.ts';
import type { Principal } from './auth.ts';
import { HttpProblem } from './problem.ts';

export interface EventHub {
  /** Starts the database listener on first use; rejects when it cannot start. Returns unsubscribe. */
  subscribe(subscriber: (event: EventRecord) => void): Promise<() => void>;
  close(): Promise<void>;
}

/** Ids delivered recently: a notification can arrive after a catch-up read already delivered it. */
const RECENT_IDS = 10_000;
const CATCH_UP_PAGE = 1000;
const RETRY_MS = 1000;

export function createEventHub(db: Database, options: { databaseUrl?: string; logger: Logger }): EventHub {
  const subscribers = new Set<(event: EventRecord) => void>();
  const delivered = new Set<number>();
  const pending: number[] = [];
  let cursor = 0;
  let catchUp = false;
  let closed = false;
  let listener: Promise<EventListener> | undefined;
  let draining: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  const deliver = (events: EventRecord[]) => {
    for (const event of events) {
      if (delivered.has(event.id)) continue;
      delivered.add(event.id);
      if (delivered.size > RECENT_IDS) delivered.delete(delivered.values().next().value as number);
      cursor = Math.max(cursor, event.id);
      for (const subscriber of subscribers) {
        try {
          subscriber(event);
        } catch (error) {
          // One broken client must not cost the others their events.
          options.logger.warn({ err: error, eventId: event.id }, 'events: a subscriber failed');
        }
      }
    }
  };

  // Reads the notified ids rather than "everything after the cursor": a transaction that took a
  // lower id may commit after a higher one, and its notification still names it.
  const drain = async () => {
    while (!closed && (pending.length > 0 || catchUp)) {
      const ids = pending.splice(0);
      const wasCatchUp = catchUp;
      catchUp = false;
      try {
        if (wasCatchUp) {
          for (;;) {
            const page = await readEventsAfter(db, cursor, CATCH_UP_PAGE);
            deliver(page);
            if (page.length < CATCH_UP_PAGE) break;
          }
        }
        const fresh = [...new Set(ids)].filter((id) => !delivered.has(id));
        deliver(await readEventsById(db, fresh));
      } catch (error) {
        if (closed) return;
        pending.unshift(...ids);
        catchUp ||= wasCatchUp;
        options.logger.warn({ err: error }, 'events: reading new events failed; retrying');
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          kick();
        }, RETRY_MS);
        retryTimer.unref();
        return;
      }
    }
  };

  const kick = () => {
    if (draining || retryTimer || closed) return;
    draining = drain().finally(() => {
      draining = undefined;
      if (pending.length > 0 || catchUp) kick();
    });
  };

  const start = async (): Promise<EventListener> => {
    // Listen first, then read the cursor: nothing committed in between is missed.
    const handle = await listenForEvents(
      db,
      options.databaseUrl,
      (id) => {
        pending.push(id);
        kick();
      },
      {
        onReconnect: () => {
          options.logger.info({}, 'events: listening again; catching up');
          catchUp = true;
          kick();
        },
        onError: (error) => options.logger.warn({ err: error }, 'events: listener connection failed'),
      },
    );
    try {
      cursor = Math.max(cursor, await latestEventId(db));
    } catch (error) {
      await handle.close();
      throw error;
    }
    return handle;
  };

  return {
    async subscribe(subscriber) {
      if (closed) throw new Error('the event hub is closed');
      listener ??= start().catch((error: unknown) => {
        listener = undefined;
        throw error;
      });
      await listener;
      subscribers.add(subscriber);
      return () => {
        subscribers.delete(subscriber);
      };
    },
    async close() {
      closed = true;
      subscribers.clear();
      if (retryTimer) clearTimeout(retryTimer);
      const handle = await listener?.catch(() => undefined);
      await handle?.close();
      await draining;
    },
  };
}

export type TicketIssue =
  | { ok: true; ticket: string; expiresAt: Date }
  /** Refused: too many unredeemed tickets; the oldest of them expires in `retryAfterMs`. */
  | { ok: false; reason: 'principal_limit' | 'server_limit'; retryAfterMs: number };

export interface TicketBook {
  issue(principal: Principal): TicketIssue;
  /** The principal of a valid ticket, once: a ticket is gone after its first use. */
  redeem(ticket: string): Principal | undefined;
  /** Drops every outstanding ticket of this principal: its token was revoked. */
  revokePrincipal(name: string): void;
}

export interface TicketBookOptions {
  /** @defaultValue 60 000 ms */
  ttlMs?: number;
  /** Unredeemed tickets one principal may hold. @defaultValue 20 */
  perPrincipal?: number;
  /** Unredeemed tickets in all. @defaultValue 10 000 */
  capacity?: number;
}

/**
 * Tickets live in memory: a client redeems one on the process that issued it, within `ttlMs`.
 * Past a limit the next ticket is refused, never another one evicted: an eviction would let one
 * principal's flood spend the tickets other users are holding.
 */
export function createTicketBook(clock: Clock, options: TicketBookOptions = {}): TicketBook {
  const ttlMs = options.ttlMs ?? 60_000;
  const perPrincipal = options.perPrincipal ?? 20;
  const capacity = options.capacity ?? 10_000;
  const tickets = new Map<string, { principal: Principal; expiresAt: number }>();
  // Per principal, its tickets in issue order (Set order), so its oldest is the first.
  const byPrincipal = new Map<string, Set<string>>();

  const drop = (ticket: string) => {
    const entry = tickets.get(ticket);
    if (!entry) return;
    tickets.delete(ticket);
    const own = byPrincipal.get(entry.principal.name);
    own?.delete(ticket);
    if (own?.size === 0) byPrincipal.delete(entry.principal.name);
  };
  const oldestExpiry = (among: Iterable<string>) => {
    for (const ticket of among) return tickets.get(ticket)?.expiresAt ?? 0;
    return 0;
  };

  return {
    issue(principal) {
      const now = clock.now().getTime();
      for (const [ticket, entry] of tickets) if (entry.expiresAt <= now) drop(ticket);
      const own = byPrincipal.get(principal.name);
      if ((own?.size ?? 0) >= perPrincipal)
        return { ok: false, reason: 'principal_limit', retryAfterMs: oldestExpiry(own ?? []) - now };
      if (tickets.size >= capacity)
        return { ok: false, reason: 'server_limit', retryAfterMs: oldestExpiry(tickets.keys()) - now };
      const ticket = randomBytes(24).toString('base64url');
      const expiresAt = now + ttlMs;
      tickets.set(ticket, { principal: { name: principal.name, role: principal.role }, expiresAt });
      if (own) own.add(ticket);
      else byPrincipal.set(principal.name, new Set([ticket]));
      return { ok: true, ticket, expiresAt: new Date(expiresAt) };
    },
    redeem(ticket) {
      const entry = tickets.get(ticket);
      drop(ticket);
      if (!entry || entry.expiresAt <= clock.now().getTime()) return undefined;
      return entry.principal;
    },
    revokePrincipal(name) {
      for (const ticket of [...(byPrincipal.get(name) ?? [])]) drop(ticket);
    },
  };
}

export interface StreamRequest {
  /** Replay events after this id first (Last-Event-ID). */
  afterId?: number;
  /** Event type prefixes to send, e.g. `run:`; empty sends everything. */
  types: readonly string[];
  /** The token the stream was opened with: its revocation ends the stream. */
  principal: string;
}

export interface EventStreams {
  serve(reply: FastifyReply, wanted: StreamRequest): Promise<void>;
  /** Ends every open stream, so that the server can close. */
  endAll(): void;
  /**
   * Sends `event: revoked` to every stream of this principal and ends it; a stream of it that is
   * still starting ends as soon as it opens. Token names are never reused, so this is for good.
   */
  endPrincipal(name: string): void;
  /** The principals with open streams. */
  principals(): string[];
}

export interface EventStreamOptions {
  /** @defaultValue 15 000 ms */
  heartbeatMs?: number;
  /** More missed events than this and the client gets `replay:truncated` instead. @defaultValue 1000 */
  replayLimit?: number;
  /** A client that lets this much pile up unread is dropped; it reconnects. @defaultValue 1 MiB */
  maxBufferedBytes?: number;
}

export function frameEvent(event: { id: number; type: string; payload: unknown }): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.payload)}\n\n`;
}

/** The last frame of a stream whose token was revoked; no id, so Last-Event-ID stays where it was. */
function revokedFrame(principal: string): string {
  const payload = { reason: 'token_revoked', token: principal };
  return `event: revoked\ndata: ${JSON.stringify(payload)}\n\n`;
}

interface Replay {
  events: EventRecord[];
  /** Set instead of events when more than the limit were missed. */
  resetTo?: number;
}

async function readReplay(db: Queryable, afterId: number | undefined, limit: number): Promise<Replay> {
  if (afterId === undefined) return { events: [] };
  const events = await readEventsAfter(db, afterId, limit + 1);
  if (events.length <= limit) return { events };
  return { events: [], resetTo: await latestEventId(db) };
}

export function createEventStreams(
  db: Queryable,
  hub: EventHub,
  options: EventStreamOptions = {},
): EventStreams {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const replayLimit = options.replayLimit ?? 1000;
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  // Each open stream's end, with a final frame to send first, and its principal.
  const open = new Map<(farewell?: string) => void, string>();
  const revoked = new Set<string>();
  let closing = false;

  return {
    async serve(reply, wanted) {
      const raw = reply.raw;
      const matches = (event: EventRecord) =>
        wanted.types.length === 0 || wanted.types.some((prefix) => event.type.startsWith(prefix));
      const buffered: EventRecord[] = [];
      // After a reset the client resumes from its id: older events would only be noise.
      let floor = 0;
      let state: 'starting' | 'live' | 'ended' = 'starting';
      // A function, not a comparison: TypeScript cannot see that `end` changes `state` meanwhile.
      const isEnded = () => state === 'ended';
      let unsubscribe = () => {};
      let heartbeat: NodeJS.Timeout | undefined;
      const end = (farewell?: string) => {
        if (isEnded()) return;
        state = 'ended';
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
        if (farewell !== undefined) raw.end(farewell);
        else raw.end();
      };
      const onClose = () => end();
      const write = (chunk: string) => {
        if (isEnded()) return;
        raw.write(chunk);
        if (raw.writableLength > maxBuffered) end();
      };
      // Attached first: a client that leaves while we subscribe or read must not leave a subscriber.
      raw.once('close', onClose);

      let replay: Replay;
      try {
        // Subscribe before reading the replay, so nothing committed in between falls through.
        unsubscribe = await hub.subscribe((event) => {
          if (!matches(event) || event.id <= floor) return;
          if (state === 'live') write(frameEvent(event));
          else buffered.push(event);
        });
        replay = await readReplay(db, wanted.afterId, replayLimit);
      } catch (error) {
        // Fastify answers with a problem document: the stream never started.
        raw.off('close', onClose);
        unsubscribe();
        throw new HttpProblem(503, 'events_unavailable', `cannot stream events: ${errorMessage(error)}`);
      }
      reply.hijack();
      if (closing || isEnded()) {
        unsubscribe();
        end();
        return;
      }
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
      });
      open.set(end, wanted.principal);
      // Revoked while the stream was starting: the notice found no stream to end.
      if (revoked.has(wanted.principal)) return end(revokedFrame(wanted.principal));
      write('retry: 3000\n\n');
      if (replay.resetTo !== undefined) {
        // Too far behind to replay: the client reloads its state over REST and resumes from here.
        const payload = { afterId: wanted.afterId, resumeId: replay.resetTo };
        write(frameEvent({ id: replay.resetTo, type: 'replay:truncated', payload }));
        floor = replay.resetTo;
      }
      const sent = new Set<number>();
      for (const event of replay.events) {
        sent.add(event.id);
        if (matches(event)) write(frameEvent(event));
      }
      for (const event of buffered.splice(0)) {
        if (!sent.has(event.id) && event.id > floor) write(frameEvent(event));
      }
      state = 'live';
      heartbeat = setInterval(() => write(': ping\n\n'), heartbeatMs);
      heartbeat.unref();
    },
    endAll() {
      closing = true;
      for (const end of [...open.keys()]) end();
    },
    endPrincipal(name) {
      revoked.add(name);
      for (const [end, principal] of [...open]) if (principal === name) end(revokedFrame(name));
    },
    principals() {
      return [...new Set(open.values())];
    },
  };
}

// Finds revoked tokens for the event streams: a LISTEN on the revocation channel, and a periodic
// re-check of the tokens behind open streams in case a notification was lost or never sent.
import type { Logger } from '../../engine/ports.ts';
import { type Loop, startLoop } from '../loop.ts';
import type { Database } from '../postgres/database.ts';
import { type EventListener, listenOnChannel } from '../postgres/event-store.ts';
import { activeTokenRoles, TOKEN_REVOKED_CHANNEL } from '../postgres/token-store.ts';

export interface RevocationWatchOptions {
  /** The PostgreSQL URL the listener opens its own connection with; without it, polling only. */
  databaseUrl: string | undefined;
  logger: Logger;
  /** How often the tokens of open streams are checked again, whatever LISTEN says. @defaultValue 30 000 ms */
  recheckMs?: number;
  /** The re-check interval while LISTEN is not available. @defaultValue 1000 ms */
  pollMs?: number;
}

export interface RevocationTarget {
  /** The principals whose tokens matter now (those with open streams). */
  principals(): string[];
  revoked(name: string): void;
}

export interface RevocationWatch {
  /** Listening from now on (LISTEN, or polling when it cannot); starts on first use, never rejects. */
  ready(): Promise<void>;
  /** Whether this token is active now: checked after ready(), so a later revocation is announced. */
  isActive(name: string): Promise<boolean>;
  close(): Promise<void>;
}

export function createRevocationWatch(
  db: Database,
  target: RevocationTarget,
  options: RevocationWatchOptions,
): RevocationWatch {
  const recheckMs = options.recheckMs ?? 30_000;
  const pollMs = Math.min(options.pollMs ?? 1000, recheckMs);
  let started: Promise<void> | undefined;
  let listener: EventListener | undefined;
  let loop: Loop | undefined;
  let closed = false;

  // A failed check is logged by the loop; the next round tries again.
  const check = async () => {
    const names = target.principals();
    if (names.length === 0) return;
    const active = await activeTokenRoles(db, names);
    for (const name of names) if (!active.has(name)) target.revoked(name);
  };
  const recheck = () => {
    void loop?.wake();
  };
  const every = (ms: number) => {
    loop = startLoop({
      name: 'events: re-checking the tokens of open streams',
      everyMs: ms,
      logger: options.logger,
      level: 'warn',
      run: check,
    });
  };

  const start = async () => {
    try {
      listener = await listenOnChannel(
        db,
        options.databaseUrl,
        TOKEN_REVOKED_CHANNEL,
        (name) => {
          if (name) target.revoked(name);
        },
        {
          // Notifications sent while the connection was down are gone: look at the table instead.
          onReconnect: recheck,
          onError: (error) =>
            options.logger.warn({ err: error }, 'events: revocation listener connection failed'),
        },
      );
    } catch (error) {
      options.logger.warn({ err: error }, 'events: cannot LISTEN for revocations; polling instead');
    }
    if (closed) await listener?.close();
    else every(listener ? recheckMs : pollMs);
  };

  return {
    ready() {
      started ??= start();
      return started;
    },
    async isActive(name) {
      return (await activeTokenRoles(db, [name])).has(name);
    },
    async close() {
      closed = true;
      const stopping = loop?.stop();
      await started;
      await listener?.close();
      await stopping;
    },
  };
}

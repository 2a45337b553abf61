// Resilient readers over a shared database and one local upstream whose routes tests script: on
// PostgreSQL two pools with their own process limits stand for two processes.
import type { ServerResponse } from 'node:http';
import type { Database } from '../../src/adapters/postgres/database.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { openPostgres } from '../../src/adapters/postgres/pg-database.ts';
import { createSharedProviderStore } from '../../src/adapters/postgres/shared-provider-store.ts';
import { createProcessLimits, type ProcessLimits } from '../../src/adapters/sources/process-limits.ts';
import { createSourceReader } from '../../src/adapters/sources/read-source.ts';
import {
  collectUntilError,
  recordingLogger,
  testContext,
} from '../../src/adapters/sources/source-test-kit.ts';
import type { SourceDefinition } from '../../src/domain/source-definition.ts';
import type { ProviderAttempt } from '../../src/domain/source-item.ts';
import type { Clock, SourceReader } from '../../src/engine/ports.ts';
import type { Backend } from './databases.ts';
import { startFixtureServer } from './fixture-server.ts';

export type ScriptedHandler = (response: ServerResponse, hit: number) => void;

export interface ScriptedUpstreams {
  db: Database;
  /** Two readers as two processes (on PGlite, one process: it cannot be shared). */
  readers: [SourceReader, SourceReader];
  /** Scripts a path of the upstream and returns its URL; `hit` counts from 1. */
  route(path: string, handler: ScriptedHandler): string;
  /** When each request to `path` arrived (Date.now()). */
  arrivals(path: string): number[];
  close(): Promise<void>;
}

export async function startScriptedUpstreams(backend: Backend): Promise<ScriptedUpstreams> {
  const database = await backend.open();
  await migrate(database.db);
  const second = database.url ? await openPostgres(database.url) : undefined;
  const reader = (db: Database, limits: ProcessLimits) =>
    createSourceReader({ store: createSharedProviderStore(db, db), limits, env: {}, random: () => 0.5 });
  const limits = createProcessLimits();
  const handlers = new Map<string, ScriptedHandler>();
  const hits = new Map<string, number[]>();
  const server = await startFixtureServer(
    new Proxy(
      {},
      {
        get: (_target, path: string) => (_request: unknown, response: ServerResponse) => {
          const times = hits.get(path) ?? [];
          times.push(Date.now());
          hits.set(path, times);
          const handler = handlers.get(path);
          if (handler) handler(response, times.length);
          else response.writeHead(404).end();
        },
      },
    ),
  );
  return {
    db: database.db,
    readers: [
      reader(database.db, limits),
      reader(second ?? database.db, second ? createProcessLimits() : limits),
    ],
    route(path, handler) {
      handlers.set(path, handler);
      return `${server.url}${path}`;
    },
    arrivals: (path) => hits.get(path) ?? [],
    async close() {
      await server.close();
      await second?.close();
      await database.close();
    },
  };
}

/** Reads a source to its end or its error, with what the fallback reported and what was logged. */
export async function readThrough(reader: SourceReader, source: SourceDefinition, clock?: Clock) {
  const providers: ProviderAttempt[] = [];
  const logger = recordingLogger();
  const context = testContext({
    logger,
    onProvider: (attempt) => providers.push(attempt),
    ...(clock ? { clock } : {}),
  });
  const { items, error } = await collectUntilError(reader(source, context));
  return { items, error, providers, logger, servedBy: items[0]?.origin.provider };
}

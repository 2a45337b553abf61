// `sluice serve`: API + scheduler + workers in one process; `sluice worker`: scheduler + workers.
import { once } from 'node:events';
import { UsageError } from '../../../domain/errors.ts';
import type { Clock } from '../../../engine/ports.ts';
import type { Database } from '../../postgres/database.ts';
import { type Command, type CommandIo, type ParsedArgs, stringOption } from '../command.ts';
import { settingsOf } from '../open.ts';
import { newLocalToken, publishServedProject } from '../served-project.ts';

/**
 * Who the published token acts as. Admin, so that `sluice runs <id>` shows what it shows on the
 * database itself (stack traces included): the file is readable only by the user who could open
 * the data directory anyway.
 */
const LOCAL_CLI = { name: 'cli:local', role: 'admin' } as const;

function untilSignal(): Promise<string> {
  return Promise.race([
    once(process, 'SIGTERM').then(() => 'SIGTERM'),
    once(process, 'SIGINT').then(() => 'SIGINT'),
  ]);
}

/** The dashboard's one-time link, with the modules it needs loaded only here. */
async function printedSignInLink(db: Database, address: string, clock: Clock): Promise<string> {
  const [{ signInLink }, { createDashboardSessions }, { createSessionStore }] = await Promise.all([
    import('../../api/dashboard-session.ts'),
    import('../../../engine/dashboard-sessions.ts'),
    import('../../postgres/session-store.ts'),
  ]);
  return signInLink(createDashboardSessions(createSessionStore(db), { clock }), address);
}

/** Runs until SIGTERM/SIGINT; `sluice start --serve` continues here after its pipelines. */
export async function runProcess(args: ParsedArgs, io: CommandIo, withApi: boolean): Promise<number> {
  const env = await settingsOf(io);
  // fastify, pg-boss and the database load when a process starts, not for every other command.
  const [{ openSluice }, { buildApiServer }, { createLogger }, { runtimeSettings, startRuntime }] =
    await Promise.all([
      import('../../../main.ts'),
      import('../../api/api-server.ts'),
      import('../../log/logger.ts'),
      import('../runtime.ts'),
    ]);
  const portText = stringOption(args, 'port');
  const port = portText === undefined ? env.server.port : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0..65535, got "${portText}"`);
  const host = stringOption(args, 'host') ?? env.server.host;
  const settings = runtimeSettings(env, { scheduler: args.values['no-scheduler'] !== true });
  const logger = createLogger({ level: env.logLevel, json: env.logJson });
  const sluice = await openSluice({ configPath: args.config, cwd: io.cwd, logger, settings: env });
  const runtime = await startRuntime(sluice, settings, env.databaseUrl);
  // PGlite allows this process only: commands beside it come through the API with this token.
  const localToken = withApi && sluice.db.kind === 'pglite' ? newLocalToken() : undefined;
  const api = withApi
    ? await buildApiServer(sluice, {
        dispatcher: runtime.dispatcher,
        wakeBackfills: runtime.backfills.pump,
        schedulerEnabled: settings.scheduler,
        clock: env.clock,
        databaseUrl: env.databaseUrl,
        ...(localToken ? { localCredential: { token: localToken, principal: LOCAL_CLI } } : {}),
      })
    : undefined;
  const address = api ? await api.app.listen({ port, host }) : undefined;
  const published =
    address && localToken
      ? await publishServedProject(sluice.db.location, { address, token: localToken })
      : undefined;
  logger.info(
    {
      address,
      database: sluice.db.location,
      scheduler: settings.scheduler,
      concurrency: settings.concurrency,
    },
    'started',
  );
  // Printed, never logged: the link signs its first user in as admin (once, within 5 minutes).
  const dashboard = address ? await printedSignInLink(sluice.db, address, env.clock) : undefined;
  const ready = { listening: address ?? null, pid: process.pid, scheduler: settings.scheduler, dashboard };
  io.stdout(
    args.json
      ? `${JSON.stringify(ready)}\n`
      : `sluice ${withApi ? `API listening on ${address}` : 'worker started'} (pid ${process.pid})\n${dashboard ? `Dashboard: ${dashboard}\n` : ''}`,
  );

  const reason = await Promise.race([untilSignal(), runtime.fatal.then(() => 'database unreachable')]);
  logger.info(
    { reason, graceSeconds: settings.graceSeconds },
    'shutting down: no new work, waiting for running runs',
  );
  await published?.remove();
  await api?.app.close();
  await runtime.stop();
  await sluice.close();
  logger.info({}, 'stopped');
  return reason === 'database unreachable' ? 1 : 0;
}

const processOptions = {
  'no-scheduler': { type: 'boolean', description: 'do not evaluate schedules in this process' },
} as const;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the REST API, fire schedules and run queued runs (every route but /healthz needs a token).',
  usage: 'serve [--port 8787] [--host 127.0.0.1] [--no-scheduler]',
  options: {
    port: { type: 'string', description: 'port (default SLUICE_PORT or 8787; 0 picks a free one)' },
    host: { type: 'string', description: 'interface to listen on (default SLUICE_HOST or 127.0.0.1)' },
    ...processOptions,
  },
  run: (args, io) => runProcess(args, io, true),
};

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Fire schedules and run queued runs, without the API: start several against one PostgreSQL.',
  usage: 'worker [--no-scheduler]',
  options: { ...processOptions },
  run: (args, io) => runProcess(args, io, false),
};

// `sluice serve`: the HTTP API in one process; stops gracefully on SIGTERM/SIGINT.
import { once } from 'node:events';
import { UsageError } from '../../../domain/errors.ts';
import { openSluice } from '../../../main.ts';
import { buildApiServer } from '../../api/api-server.ts';
import { createLogger } from '../../log/logger.ts';
import { type Command, stringOption } from '../command.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the REST API (every route but /healthz needs a token from `sluice tokens create`).',
  usage: 'serve [--port 8787] [--host 127.0.0.1]',
  options: {
    port: { type: 'string', description: 'port (default SLUICE_PORT or 8787; 0 picks a free one)' },
    host: { type: 'string', description: 'interface to listen on (default SLUICE_HOST or 127.0.0.1)' },
  },
  async run(args, io) {
    const portText = stringOption(args, 'port') ?? process.env.SLUICE_PORT ?? '8787';
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be 0..65535, got "${portText}"`);
    const host = stringOption(args, 'host') ?? process.env.SLUICE_HOST ?? '127.0.0.1';
    const graceSeconds = Number(process.env.SLUICE_SHUTDOWN_GRACE_S ?? 30);
    if (!Number.isFinite(graceSeconds) || graceSeconds < 0) {
      throw new UsageError(
        `SLUICE_SHUTDOWN_GRACE_S must be a number of seconds ≥ 0, got "${process.env.SLUICE_SHUTDOWN_GRACE_S}"`,
      );
    }
    const logger = createLogger();
    const sluice = await openSluice({ configPath: args.config, cwd: io.cwd, logger });
    const { app } = await buildApiServer(sluice);
    const address = await app.listen({ port, host });
    logger.info({ address, database: sluice.db.location }, 'sluice serve listening');
    io.stdout(
      `${args.json ? JSON.stringify({ listening: address }) : `sluice API listening on ${address}`}\n`,
    );

    const signal = await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]).then(
      () => 'signal',
    );
    logger.info({ signal, graceSeconds }, 'shutting down: no new requests, waiting for running runs');
    await app.close();
    const settled = await sluice.settle(graceSeconds * 1000);
    if (!settled)
      logger.warn({ graceSeconds }, 'runs still active after the grace period; they stay marked running');
    await sluice.close();
    logger.info({}, 'stopped');
    return 0;
  },
};

// What createSluice returns, wired from the pieces `sluice serve` uses: openSluice (the composition
// root), the runtime of workers and scheduler, and the API's routes, installed in a host's fastify.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { installApi } from './adapters/api/api-server.ts';
import { serializeRequest } from './adapters/api/request-log.ts';
import { type Runtime, runtimeSettings, startRuntime } from './adapters/cli/runtime.ts';
import { loadSettings } from './adapters/config/settings.ts';
import { createToken } from './adapters/postgres/token-store.ts';
import { UsageError } from './domain/errors.ts';
import type {
  CreatedToken,
  EmbeddedSluice,
  SluiceOptions,
  SluicePluginOptions,
  StartOptions,
} from './embed.ts';
import type { RunDispatcher } from './engine/run-dispatch.ts';
import { openSluice } from './main.ts';

/** How long `wait()` waits by default, as the API's `?wait=true` does. */
const WAIT_MS = 5 * 60_000;

export async function openEmbedded(options: SluiceOptions): Promise<EmbeddedSluice> {
  const settings = options.env ? loadSettings(options.env) : loadSettings();
  const sluice = await openSluice({
    configPath: options.config instanceof URL ? fileURLToPath(options.config) : options.config,
    cwd: options.cwd,
    databaseUrl: options.databaseUrl,
    dataDir: options.dataDir,
    schema: options.schema,
    logger: options.logger,
    settings,
  });
  const databaseUrl = options.databaseUrl ?? settings.databaseUrl;
  const graceMs = settings.workers.shutdownGraceSeconds * 1000;
  const inProcess = sluice.app.pipelines.dispatcher();
  let runtime: Runtime | undefined;
  let starting: Promise<void> | undefined;
  let closed: Promise<void> | undefined;

  // Routes mounted before start() must queue once it ran: they ask for the dispatcher per request.
  const dispatcher: RunDispatcher = {
    trigger: (pipeline, trigger, partition) =>
      (runtime?.dispatcher ?? inProcess).trigger(pipeline, trigger, partition),
  };

  const start = (startOptions: StartOptions = {}): Promise<void> => {
    if (closed)
      return Promise.reject(new UsageError('this sluice is closed: createSluice() opens the project again'));
    starting ??= (async () => {
      const wanted = runtimeSettings(settings, { scheduler: startOptions.scheduler ?? true });
      // Its `fatal` is not awaited: the host's process is not ours to exit. The runtime logs it.
      runtime = await startRuntime(sluice, wanted, databaseUrl);
    })().catch((error: unknown) => {
      starting = undefined;
      throw error;
    });
    return starting;
  };

  const stop = async (): Promise<void> => {
    await starting?.catch(() => {});
    const running = runtime;
    runtime = undefined;
    starting = undefined;
    await running?.stop();
  };

  const plugin: FastifyPluginAsync<SluicePluginOptions> = async (host, pluginOptions) => {
    // First in this context, so it runs after the API's own onClose hooks (they run last-in first-out).
    host.addHook('onClose', async () => embedded.close());
    if (pluginOptions.start) await start(pluginOptions.start === true ? {} : pluginOptions.start);
    // A context inside the host's, for the serializer that keeps tokens out of the host's request log.
    await host.register(
      async (api: FastifyInstance) => {
        await installApi(api, sluice, {
          dispatcher,
          wakeBackfills: () => runtime?.backfills.pump() ?? Promise.resolve(),
          schedulerEnabled: () => runtime?.scheduler !== undefined,
          clock: settings.clock,
          databaseUrl,
          // Its pages and assets use paths from `/`; under a host's prefix they would not load.
          dashboard: false,
        });
      },
      // Fastify's type says a serializer returns a string; pino takes the object this one returns.
      { logSerializers: { req: serializeRequest as unknown as (value: unknown) => string } },
    );
  };

  const embedded: EmbeddedSluice = {
    app: sluice.app,
    run: (pipeline, runOptions) => sluice.run(pipeline, runOptions),
    trigger: (pipeline, triggerOptions = {}) =>
      dispatcher.trigger(pipeline, triggerOptions.trigger ?? 'embedded', triggerOptions.partition),
    wait: (runId, timeoutMs = WAIT_MS) => sluice.app.pipelines.wait(runId, timeoutMs),
    start,
    stop,
    get started() {
      return runtime !== undefined;
    },
    async createToken(name, role): Promise<CreatedToken> {
      const created = await createToken(sluice.db, name, role);
      return { token: created.token, name: created.record.name, role: created.record.role };
    },
    plugin,
    close() {
      closed ??= (async () => {
        await stop();
        // Runs triggered in this process (before start(), or by run()) finish or are cut off here.
        await sluice.settle(graceMs);
        await sluice.close();
      })();
      return closed;
    },
  };
  return embedded;
}

// A host API server that embeds sluice: its own routes, sluice's REST API under /sluice, the
// scheduler and workers started with the server and stopped with it (SIGTERM, SIGINT).
import Fastify from 'fastify';
import { createSluice } from 'sluice';

const host = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } });

// DATABASE_URL (PostgreSQL) or SLUICE_DATA_DIR (embedded) as for the CLI; the config sits beside this file.
const sluice = await createSluice({
  config: new URL('./sluice.config.ts', import.meta.url),
  logger: host.log,
});

// The host's own route, answering from sluice's use cases: a status endpoint of its own shape.
host.get('/collection', async () => {
  const pipelines = await sluice.app.pipelines.list();
  return {
    pipelines: pipelines.map(({ pipeline, lastRun }) => ({
      name: pipeline.name,
      lastStatus: lastRun?.status ?? 'never_run',
      lastFinishedAt: lastRun?.finishedAt ?? null,
    })),
  };
});

// /sluice/api/…, /sluice/healthz, /sluice/metrics; `start` runs the scheduler and workers from
// host.listen() on, and host.close() stops them and closes the database.
await host.register(sluice.plugin, { prefix: '/sluice', start: true });

const address = await host.listen({
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? '127.0.0.1',
});
console.log(`listening on ${address} (host route /collection, sluice under /sluice/api)`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    host.log.info({ signal }, 'closing: sluice stops with the server');
    void host.close();
  });
}

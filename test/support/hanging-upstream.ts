// A project whose one pipeline reads a local "Frankfurter" whose first answer never comes: the
// run stays in flight until a test kills or stops the worker holding it; the retry is answered.
import { writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { createPostgresDatabase } from './databases.ts';
import { startFixtureServer, upstreamFixture } from './fixture-server.ts';
import { withInitProject } from './project.ts';

/** The project's config: one pipeline `fx_latest` reading `<url>/v1/latest`. */
export const fxLatestConfig = (
  url: string,
) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const rates = dataset('fx_rates', {
  schema: z.object({ base: z.string(), quote: z.string(), day: z.iso.date(), rate: z.number() }),
  key: ['base', 'quote', 'day'],
  time: 'day',
});
export default defineConfig({
  datasets: [rates],
  pipelines: [pipeline('fx_latest', {
    source: http({ url: '${url}/v1/latest', timeoutMs: 120000, name: 'frankfurter' }),
    into: rates,
    transform: (doc) => {
      const { base, date, rates } = doc as { base: string; date: string; rates: Record<string, number> };
      return Object.entries(rates).map(([quote, rate]) => ({ base, quote, day: date, rate }));
    },
  })],
});
`;

export interface HangingUpstream {
  dir: string;
  databaseUrl: string;
  /** Currencies in the answer: the rows a successful run writes. */
  expectedRows: number;
  /** Resolves once the first (hanging) request has arrived. */
  firstRequest(): Promise<void>;
  close(): Promise<void>;
}

export async function withHangingUpstream(): Promise<HangingUpstream> {
  const body = upstreamFixture('frankfurter_latest_base-EUR.json');
  const hanging: ServerResponse[] = [];
  let requests = 0;
  let arrived: () => void = () => {};
  const firstArrived = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const server = await startFixtureServer({
    '/v1/latest': (_request, response) => {
      requests++;
      if (requests === 1) {
        hanging.push(response);
        arrived();
      } else response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    },
  });
  const project = await withInitProject();
  const database = await createPostgresDatabase();
  await writeFile(join(project.dir, 'sluice.config.ts'), fxLatestConfig(server.url));
  return {
    dir: project.dir,
    databaseUrl: database.url,
    expectedRows: Object.keys(JSON.parse(body.toString()).rates).length,
    firstRequest: () => firstArrived,
    async close() {
      for (const response of hanging) response.destroy();
      await server.close();
      await database.drop();
      await project.remove();
    },
  };
}

// A partitioned pipeline (weeks × two sites) and the local upstream it reads, for backfill tests.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A weekly × site pipeline reading `/obs/<site>?from&to` from a local server. */
export const weeklyObsConfig = (
  url: string,
) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), temperature_c: z.coerce.number() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
  freshness: { maxAge: '2h' },
});
export default defineConfig({
  datasets: [readings],
  pipelines: [
    pipeline('weekly_obs', {
      source: http({ url: '${url}/obs/{{site}}?from={{start_date}}&to={{end_date}}', name: 'obs' }),
      into: readings,
      partitions: {
        time: { every: 'weekly', start: '2025-01-06' },
        keys: { name: 'site', values: ['annecy', 'chambery'] },
      },
      transform: (record, { params }) => ({ station: params.site, observed_at: record.t, temperature_c: record.v }),
    }),
  ],
});
`;

/** One reading per day of the requested range; `failing` partitions answer 404 until removed. */
export function observations(failing: Set<string>, inFlight: { now: number; max: number }) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const site = url.pathname.split('/').at(-1) ?? '';
    const from = url.searchParams.get('from') ?? '';
    const to = url.searchParams.get('to') ?? '';
    inFlight.now++;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    setTimeout(() => {
      inFlight.now--;
      if (failing.has(`${site}|${from}`)) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('no such station week');
        return;
      }
      const days: Array<{ t: string; v: number }> = [];
      for (let day = new Date(`${from}T12:00:00Z`); day <= new Date(`${to}T12:00:00Z`); ) {
        days.push({ t: day.toISOString(), v: day.getUTCDate() });
        day = new Date(day.getTime() + 86_400_000);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(days));
    }, 20);
  };
}

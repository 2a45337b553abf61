// The freshness suite's project: rates per currency pair (dates), readings as one series (timestamps),
// an unmonitored archive; and a webhook endpoint that records what it is sent.
import type { FixtureServer } from './fixture-server.ts';
import { startFixtureServer } from './fixture-server.ts';
import type { AnyJson } from './http.ts';

export const CONFIG = `import { dataset, defineConfig, files, pipeline, z } from 'sluice';
const rates = dataset('rates', {
  schema: z.object({ base: z.string(), quote: z.string(), day: z.iso.date(), rate: z.number() }),
  key: ['base', 'quote', 'day'],
  time: 'day',
  freshness: { maxAge: '26h', series: ['base', 'quote'] },
});
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), value: z.number() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
  freshness: { maxAge: '2h' },
});
const archive = dataset('archive', {
  schema: z.object({ station: z.string(), observed_at: z.coerce.date(), value: z.number() }),
  key: ['station', 'observed_at'],
  time: 'observed_at',
});
const cells = (row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k === 'rate' || k === 'value' ? Number(v) : v]));
export default defineConfig({
  datasets: [rates, readings, archive],
  pipelines: [
    pipeline('rates_files', { source: files({ name: 'ecb_files', dir: 'rates', glob: '*.csv' }), into: rates, transform: cells }),
    pipeline('readings_files', { source: files({ name: 'station_files', dir: 'data', glob: '*.csv' }), into: readings, transform: cells }),
    pipeline('archive_files', { source: files({ dir: 'data', glob: '*.csv' }), into: archive, transform: cells }),
  ],
});
`;
export const RATES =
  'base,quote,day,rate\nEUR,USD,2026-03-01,1.08\nEUR,USD,2026-03-02,1.09\nEUR,GBP,2026-02-27,0.85\nUSD,JPY,2026-03-02,150.1\n';
export const READINGS = 'station,observed_at,value\na,2026-03-02T09:00:00Z,1\na,2026-03-02T10:00:00Z,2\n';
export const NEWER_RATES =
  'base,quote,day,rate\nEUR,USD,2026-03-03,1.1\nEUR,GBP,2026-03-03,0.86\nUSD,JPY,2026-03-03,151\n';
export const NEWER_READINGS = 'station,observed_at,value\na,2026-03-03T02:30:00Z,3\n';

/** Records each POST body at /hook; the first `failFirst` requests get a 500, the rest a 204. */
export function startWebhookReceiver(
  received: Array<{ status: number; body: AnyJson }>,
  failFirst: number,
): Promise<FixtureServer> {
  let failures = failFirst;
  return startFixtureServer({
    '/hook': (request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      request.on('end', () => {
        const status = failures-- > 0 ? 500 : 204;
        received.push({ status, body: JSON.parse(text) });
        response.writeHead(status).end();
      });
    },
  });
}

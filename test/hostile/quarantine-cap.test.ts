// Hostile input: an upstream that streams bad records without end. The dataset's maxQuarantined
// caps what one run stores in the quarantine: past it the run stops reading (the upstream sees its
// connection closed), fails with the count, and the quarantine holds exactly the cap.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { listQuarantine } from '../../src/adapters/postgres/quarantine-store.ts';
import { DEFAULT_MAX_QUARANTINED, dataset } from '../../src/domain/dataset-definition.ts';
import { testBackends } from '../support/databases.ts';
import { openTestProject, type TestProject } from '../support/test-project.ts';

const CAP = 50;

const config = (url: string) => `import { dataset, defineConfig, http, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), at: z.coerce.date(), temp: z.coerce.number() }),
  key: ['station', 'at'],
  time: 'at',
  maxQuarantined: ${CAP},
});
export default defineConfig({
  datasets: [readings],
  pipelines: [pipeline('endless', {
    source: http({ url: '${url}/endless.csv', format: 'csv', timeoutMs: 15000, retry: false }),
    into: readings,
  })],
});
`;

/** Streams `station,at,temp` rows whose date is never valid, until the client hangs up. */
function endlessBadCsv(): { server: Server; closed: Promise<number> } {
  let resolveClosed: (rows: number) => void = () => {};
  const closed = new Promise<number>((resolve) => {
    resolveClosed = resolve;
  });
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/csv' });
    response.write('station,at,temp\n');
    let rows = 0;
    let open = true;
    response.on('close', () => {
      open = false;
      resolveClosed(rows);
    });
    const pump = () => {
      while (open) {
        let block = '';
        for (let index = 0; index < 100; index++) block += `s${rows++},not-a-date,${rows}\n`;
        if (!response.write(block)) {
          response.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
  return { server, closed };
}

describe('maxQuarantined option', () => {
  it('defaults to 10 000 and refuses a negative or fractional cap with a ConfigError naming the dataset', () => {
    const schema = z.object({ id: z.string(), at: z.coerce.date() });
    assert.equal(DEFAULT_MAX_QUARANTINED, 10_000);
    assert.equal(dataset('capped', { schema, key: ['id'], time: 'at' }).maxQuarantined, 10_000);
    for (const bad of [-1, 1.5, Number.NaN]) {
      assert.throws(
        () => dataset('capped', { schema, key: ['id'], time: 'at', maxQuarantined: bad }),
        /dataset "capped": maxQuarantined must be a whole number/,
      );
    }
  });
});

for (const backend of await testBackends()) {
  describe(`quarantine cap on ${backend.kind}`, { skip: backend.skip }, () => {
    let project: TestProject;
    let upstream: ReturnType<typeof endlessBadCsv>;
    before(async () => {
      upstream = endlessBadCsv();
      upstream.server.listen(0, '127.0.0.1');
      await once(upstream.server, 'listening');
      const { port } = upstream.server.address() as AddressInfo;
      project = await openTestProject(backend, config(`http://127.0.0.1:${port}`));
    });
    after(async () => {
      upstream?.server.closeAllConnections();
      upstream?.server.close();
      await project?.close();
    });

    it('an endless stream of bad records: the run fails with the cap message, stores exactly the cap and hangs up', async () => {
      const report = await project.sluice.run('endless');
      assert.equal(report.status, 'failed');
      assert.equal(report.errors[0]?.code, 'quarantine_cap');
      assert.match(
        report.errors[0]?.message ?? '',
        new RegExp(
          `^quarantine cap of ${CAP} records reached after ${CAP + 1} rejected; the source is likely broken or the schema wrong`,
        ),
      );
      const stored = await listQuarantine(project.sluice.db, { runId: report.runId, limit: 1000 });
      assert.equal(stored.length, CAP);
      // The upstream sees the connection closed: the run stopped reading instead of draining it.
      const rowsSent = await upstream.closed;
      assert.ok(rowsSent > CAP, `the server sent ${rowsSent} rows`);
    });
  });
}

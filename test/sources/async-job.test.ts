// asyncJob sources against a local fake of an asynchronous reporting API: the execution id on the run
// while polling, upstream failures, the deadline, the submission limit and a restart that resumes.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { getRun } from '../../src/adapters/postgres/run-store.ts';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { asyncJob } from '../../src/domain/async-job-definition.ts';
import { ConfigError } from '../../src/domain/errors.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import { readJson } from '../support/http.ts';
import { withInitProject } from '../support/project.ts';

const TOKEN = 'ads-T0ken/secret+1';
const silent = createLogger({ level: 'silent' });

interface FakeJob {
  id: string;
  scenario: string;
  polls: number;
  /** Polls after which the job is done; Infinity holds it running until a test releases it. */
  doneAfter: number;
}

/** A reporting API that works like the advertising ones: submit, poll a status, download the result. */
async function startFakeAdsApi() {
  const jobs = new Map<string, FakeJob>();
  const submits: Array<{ scenario: string; at: number; body: unknown; authorization: string | undefined }> =
    [];
  const polls: string[] = [];
  const bodyOf = async (request: IncomingMessage) => {
    const parts: Buffer[] = [];
    for await (const chunk of request) parts.push(chunk as Buffer);
    return parts.length > 0 ? JSON.parse(Buffer.concat(parts).toString('utf8')) : undefined;
  };
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const json = (status: number, body: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const [, step, id = ''] = url.pathname.split('/');
    if (step === 'submit' && request.method === 'POST') {
      const scenario = url.searchParams.get('scenario') ?? 'ok';
      const at = Date.now();
      submits.push({
        scenario,
        at,
        body: await bodyOf(request),
        authorization: request.headers.authorization,
      });
      const job = { id: `exec-${scenario}-${submits.length}`, scenario, polls: 0, doneAfter: 4 };
      if (scenario === 'hold' || scenario === 'slow') job.doneAfter = Number.POSITIVE_INFINITY;
      jobs.set(job.id, job);
      return json(202, { data: { id: job.id, state: 'QUEUED' } });
    }
    const job = jobs.get(id);
    if (!job) return json(404, { error: `no execution ${id}` });
    if (step === 'status') {
      polls.push(job.id);
      job.polls++;
      // The second poll meets a hiccup: polling goes on.
      if (job.polls === 2 && job.scenario === 'ok') return json(500, { error: 'internal error' });
      if (job.scenario === 'fail' && job.polls >= 2) {
        return json(200, {
          state: 'FAILED',
          error: `quota exceeded for token ${request.headers.authorization}`,
        });
      }
      if (job.polls >= job.doneAfter) return json(200, { state: 'DONE' });
      return json(200, { state: job.polls === 1 ? 'QUEUED' : 'RUNNING' });
    }
    if (step === 'result') {
      return json(200, {
        rows: [
          { day: '2026-03-01', clicks: 10, execution: job.id },
          { day: '2026-03-02', clicks: 12, execution: job.id },
        ],
      });
    }
    return json(404, { error: 'unknown route' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    jobs,
    submits,
    polls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const config = (
  url: string,
) => `import { asyncJob, dataset, defineConfig, pipeline, secret, z } from 'sluice';
const stats = dataset('ad_stats', {
  schema: z.object({ day: z.iso.date(), clicks: z.number(), execution: z.string() }),
  key: ['day'],
  time: 'day',
});
const auth = { authorization: secret('ADS_TOKEN') };
const ads = (scenario, extra = {}) => asyncJob({
  name: 'ads-' + scenario,
  submit: { url: '${url}/submit', query: { scenario }, headers: auth, body: { report: 'daily', from: '{{from}}' },
            executionId: 'data.id' },
  poll: { url: '${url}/status/{{executionId}}', headers: auth,
          status: (body) => body.state === 'DONE' ? 'succeeded' : body.state === 'FAILED' ? { failed: body.error } : 'running' },
  fetch: { url: '${url}/result/{{executionId}}', headers: auth, format: 'json', records: 'rows' },
  pollInterval: { initialMs: 20, maxMs: 60, factor: 2 },
  deadline: '1m',
  ...extra,
});
const job = (scenario, extra) =>
  pipeline('ads_' + scenario, { source: ads(scenario, extra), into: stats, params: { from: '2026-03-01' } });
export default defineConfig({
  datasets: [stats],
  pipelines: [
    job('ok'), job('hold'), job('fail'), job('slow', { deadline: 300 }),
    job('limited', { submitRateLimit: { requests: 1, per: '600ms' } }),
  ],
});
`;

const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('asyncJob() definitions', () => {
  const valid = {
    name: 'ads',
    submit: { url: 'https://ads.example/submit', executionId: 'id' },
    poll: { url: 'https://ads.example/status/{{executionId}}', status: () => 'running' as const },
    fetch: { url: 'https://ads.example/result/{{executionId}}' },
    deadline: '2h',
  };
  it('names the field that is wrong', () => {
    assert.throws(() => asyncJob({ ...valid, deadline: 'soon' }), /asyncJob\("ads"\): deadline/);
    assert.throws(
      () => asyncJob({ ...valid, submit: { ...valid.submit, url: 'ftp://x' } }),
      /asyncJob\("ads"\): submit: `url`/,
    );
    assert.throws(
      () => asyncJob({ ...valid, submit: { url: 'https://ads.example/{{executionId}}', executionId: 'id' } }),
      /submit.url cannot use \{\{executionId\}\}/,
    );
    assert.throws(
      () => asyncJob({ ...valid, pollInterval: { initialMs: 500, maxMs: 100 } }),
      /pollInterval.maxMs/,
    );
    assert.throws(() => asyncJob({ ...valid, submitRateLimit: { requests: 0, per: '1m' } }), ConfigError);
  });
  it('keeps {{executionId}} out of the templates checked against pipeline parameters', () => {
    const variables = asyncJob(valid).templates.flatMap((entry) =>
      entry.parts.flatMap((part) => ('variable' in part ? [part.variable] : [])),
    );
    assert.deepEqual(variables, []);
  });
});

for (const backend of await testBackends()) {
  describe(`asyncJob sources on ${backend.kind}`, { skip: backend.skip }, () => {
    let api: Awaited<ReturnType<typeof startFakeAdsApi>>;
    let sluice: Sluice;
    let open: () => Promise<Sluice>;
    let cleanup: () => Promise<void>;

    before(async () => {
      process.env.ADS_TOKEN = TOKEN;
      api = await startFakeAdsApi();
      const project = await withInitProject();
      await writeFile(join(project.dir, 'sluice.config.ts'), config(api.url));
      const database = await backend.open({ migrated: true });
      const url = database.url;
      if (!url) await database.db.close();
      open = () =>
        openSluice({
          cwd: project.dir,
          databaseUrl: url,
          dataDir: join(project.dir, '.sluice'),
          logger: silent,
        });
      sluice = await open();
      cleanup = async () => {
        await sluice.close();
        if (url) await database.close();
        await project.remove();
        await api.close();
      };
    });
    after(() => cleanup());

    it('stores the upstream execution id on the run as soon as it is submitted, and shows it in the API', async () => {
      const { token } = await createToken(sluice.db, 'async_viewer', 'viewer');
      const server = await buildApiServer(sluice, {});
      const base = await server.app.listen({ port: 0, host: '127.0.0.1' });
      const runId = crypto.randomUUID();
      const done = sluice.run('ads_hold', { runId });
      const release = () => {
        for (const job of api.jobs.values()) if (job.scenario === 'hold') job.doneAfter = job.polls + 1;
      };
      try {
        await until('two polls', () => api.polls.length >= 2);
        const job = [...api.jobs.values()].find((entry) => entry.scenario === 'hold');
        assert.ok(job);
        const running = await getRun(sluice.db, runId);
        assert.equal(running.status, 'running');
        assert.equal(running.upstreamExecutionId, job.id);
        const shown = await readJson(
          await fetch(`${base}/api/runs/${runId}`, { headers: { authorization: `Bearer ${token}` } }),
        );
        assert.equal(shown.run.upstreamExecutionId, job.id);
        assert.notEqual(shown.run.upstreamExecutionId, runId);
        release();
        const report = await done;
        assert.equal(report.status, 'succeeded');
        assert.equal(report.counts.inserted, 2);
      } finally {
        release();
        await done;
        await server.app.close();
      }
    });

    it('polls through a failing status call with backoff and writes the downloaded records', async () => {
      const report = await sluice.run('ads_ok');
      assert.equal(report.status, 'succeeded', JSON.stringify(report.errors));
      const submit = api.submits.find((entry) => entry.scenario === 'ok');
      assert.deepEqual(submit?.body, { report: 'daily', from: '2026-03-01' });
      assert.equal(submit?.authorization, TOKEN);
      const { rows } = await sluice.db.query<{ execution: string }>(
        'SELECT DISTINCT execution FROM public.ad_stats',
      );
      assert.deepEqual(
        rows.map((row) => row.execution),
        ['exec-ok-2'],
      );
      assert.equal((await getRun(sluice.db, report.runId)).upstreamExecutionId, 'exec-ok-2');
    });

    it("fails the run with the upstream's message when the execution fails, secrets redacted", async () => {
      const report = await sluice.run('ads_fail');
      assert.equal(report.status, 'failed');
      const message = report.errors[0]?.message ?? '';
      assert.match(message, /upstream execution exec-fail-\d+ failed: quota exceeded for token \[redacted\]/);
      assert.ok(!JSON.stringify(report).includes(TOKEN));
    });

    it('fails with a timeout naming the execution when the deadline passes', async () => {
      const report = await sluice.run('ads_slow');
      assert.equal(report.status, 'failed');
      assert.equal(report.errors[0]?.code, 'timeout');
      assert.match(report.errors[0]?.message ?? '', /exec-slow-\d+ did not finish within 300 ms/);
    });

    it('keeps submissions within the per-source rate limit', async () => {
      const started = Date.now();
      await sluice.run('ads_limited');
      await sluice.run('ads_limited');
      // Measured where the limit must hold, on arrival at the upstream, against the start: the
      // first submission may trail its grant by a loaded machine's round trip, so the gap between
      // the two proves nothing; the second grant, and so its arrival, is at least one window after
      // the first grant, which is after the start. Without the limiter it comes within milliseconds.
      const [first, second] = api.submits.filter((entry) => entry.scenario === 'limited');
      assert.ok(first && second, 'two submissions');
      assert.ok(
        second.at - started >= 580,
        `the second submission arrived ${second.at - started} ms after the start (limit 1 per 600 ms)`,
      );
    });

    it('resumes polling the stored execution after a restart instead of submitting again', async () => {
      const submitsBefore = api.submits.filter((entry) => entry.scenario === 'hold').length;
      const jobId = `job-${crypto.randomUUID()}`;
      const controller = new AbortController();
      const first = sluice.run('ads_hold', { jobId, signal: controller.signal });
      await until(
        'the new submit',
        () => api.submits.filter((e) => e.scenario === 'hold').length > submitsBefore,
      );
      const executionId = `exec-hold-${api.submits.length}`;
      await until('a poll', () => api.polls.includes(executionId));
      controller.abort();
      const stopped = await first;
      assert.equal(stopped.status, 'cancelled');
      assert.equal((await getRun(sluice.db, stopped.runId)).upstreamExecutionId, executionId);

      // A new process (the same database), and a new attempt of the same queue job.
      await sluice.close();
      sluice = await open();
      const job = api.jobs.get(executionId);
      assert.ok(job);
      job.doneAfter = job.polls + 2;
      const pollsBefore = api.polls.length;
      const resumed = await sluice.run('ads_hold', { jobId, attempt: 2 });
      assert.equal(resumed.status, 'succeeded', JSON.stringify(resumed.errors));
      assert.notEqual(resumed.runId, stopped.runId);
      assert.equal(api.submits.filter((entry) => entry.scenario === 'hold').length, submitsBefore + 1);
      assert.deepEqual(new Set(api.polls.slice(pollsBefore)), new Set([executionId]));
      assert.equal((await getRun(sluice.db, resumed.runId)).upstreamExecutionId, executionId);
      const { rows } = await sluice.db.query<{ execution: string }>(
        'SELECT execution FROM public.ad_stats ORDER BY day',
      );
      assert.deepEqual(
        rows.map((row) => row.execution),
        [executionId, executionId],
      );
    });
  });
}

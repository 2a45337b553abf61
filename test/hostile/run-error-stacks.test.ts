// Hostile: a viewer (or analyst) reads a failed run through the API, hoping for stack traces that
// map the server's files and internals. Expected: viewers and analysts get each error's message
// and code, never its stack; admins still get the stack (it is also in the server log).
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { createToken } from '../../src/adapters/postgres/token-store.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import { testBackends } from '../support/databases.ts';
import { type AnyJson, readJson } from '../support/http.ts';
import { withInitProject } from '../support/project.ts';

type ErrorJson = { message: string; code: string; stack?: string };

for (const backend of await testBackends()) {
  describe(`run error stacks over the API on ${backend.kind}`, { skip: backend.skip }, () => {
    let sluice: Sluice;
    let base: string;
    let runId: string;
    let close: () => Promise<void>;
    const tokens: Record<string, string> = {};

    before(async () => {
      const project = await withInitProject();
      // The source directory is gone: the run fails with a source error that carries a stack.
      await rm(join(project.dir, 'data'), { recursive: true, force: true });
      const database = await backend.open({ migrated: true });
      sluice = await openSluice({
        cwd: project.dir,
        databaseUrl: database.url,
        dataDir: `${project.dir}/.sluice`,
        logger: createLogger({ level: 'silent' }),
      });
      const report = await sluice.run('readings_csv');
      assert.equal(report.status, 'failed');
      assert.ok(report.errors[0]?.stack, 'the failed run recorded a stack');
      runId = report.runId;
      for (const role of ['viewer', 'analyst', 'admin'] as const)
        tokens[role] = (await createToken(sluice.db, `t_${role}`, role)).token;
      const server = await buildApiServer(sluice);
      base = await server.app.listen({ port: 0, host: '127.0.0.1' });
      close = async () => {
        await server.app.close();
        await sluice.close();
        await database.close();
        await project.remove();
      };
    });
    after(() => close());

    const get = async (path: string, role: string): Promise<AnyJson> => {
      const response = await fetch(`${base}${path}`, {
        headers: { authorization: `Bearer ${tokens[role]}` },
      });
      assert.equal(response.status, 200, `${path} as ${role}`);
      return readJson(response);
    };
    const errorsIn = (run: AnyJson): ErrorJson[] => [...run.errors, ...(run.report?.errors ?? [])];

    for (const role of ['viewer', 'analyst']) {
      it(`GET /api/runs/:id and /api/runs as ${role} → errors with message and code, no stack`, async () => {
        const detail = await get(`/api/runs/${runId}`, role);
        const listed = await get('/api/runs', role);
        const all = [...errorsIn(detail.run), ...listed.runs.flatMap(errorsIn)];
        assert.ok(all.length >= 2, JSON.stringify(detail));
        for (const error of all) {
          assert.equal(error.stack, undefined, `stack shown to ${role}: ${error.stack}`);
          assert.ok(error.message.length > 0);
          assert.ok(error.code.length > 0);
        }
        assert.doesNotMatch(JSON.stringify([detail, listed]), /\.ts:\d+|node_modules|\n\s+at /);
      });
    }

    it('POST /api/pipelines/:name/runs?wait=true as analyst → the finished run without stacks', async () => {
      const response = await fetch(`${base}/api/pipelines/readings_csv/runs?wait=true`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.analyst}` },
      });
      assert.equal(response.status, 200);
      const body = await readJson(response);
      assert.equal(body.status, 'failed');
      const errors = errorsIn(body.run);
      assert.ok(errors.length > 0);
      for (const error of errors) assert.equal(error.stack, undefined, `stack shown: ${error.stack}`);
    });

    it('GET /api/runs/:id as admin → the stack is there', async () => {
      const detail = await get(`/api/runs/${runId}`, 'admin');
      assert.ok(errorsIn(detail.run).every((error) => typeof error.stack === 'string'));
    });
  });
}

// A small client typed only by what openapi-typescript generates from /api/openapi.json: the
// conformance test generates `openapi-types.ts` beside a copy of this file and typechecks both.
import type { operations } from './openapi-types.ts';

type Responses<Op extends keyof operations> = operations[Op]['responses'];
type Json<R> = R extends { content: { 'application/json': infer Body } } ? Body : never;
type ProblemOf<R> = R extends { content: { 'application/problem+json': infer Body } } ? Body : never;

/** A documented answer: the status and the body the document gives for it. */
export type Answer<Op extends keyof operations> = {
  [S in keyof Responses<Op>]: {
    status: S;
    body: Json<Responses<Op>[S]> | ProblemOf<Responses<Op>[S]>;
  };
}[keyof Responses<Op>];

export interface TypedClient {
  listRuns(query?: operations['listRuns']['parameters']['query']): Promise<Answer<'listRuns'>>;
  getRun(id: string): Promise<Answer<'getRun'>>;
  triggerRun(pipeline: string): Promise<Answer<'triggerRun'>>;
  createBackfill(
    body: operations['createBackfill']['requestBody']['content']['application/json'],
  ): Promise<Answer<'createBackfill'>>;
}

export function createTypedClient(base: string, token: string): TypedClient {
  const call = async <Op extends keyof operations>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // The cast is the client's one trust in the document; the conformance test checks it holds.
    return { status: response.status, body: await response.json() } as Answer<Op>;
  };
  return {
    listRuns: (query = {}) => {
      const search = new URLSearchParams();
      for (const [name, value] of Object.entries(query))
        if (value !== undefined) search.set(name, String(value));
      return call<'listRuns'>('GET', `/api/runs?${search}`);
    },
    getRun: (id) => call<'getRun'>('GET', `/api/runs/${encodeURIComponent(id)}`),
    triggerRun: (pipeline) =>
      call<'triggerRun'>('POST', `/api/pipelines/${encodeURIComponent(pipeline)}/runs`),
    createBackfill: (body) => call<'createBackfill'>('POST', '/api/backfills', body),
  };
}

/** What a caller writes with it: each status narrows the body to the documented one. */
export async function latestRunStatus(client: TypedClient, pipeline: string): Promise<string | undefined> {
  const answer = await client.listRuns({ pipeline, limit: 1 });
  if (answer.status === 200) return answer.body.runs[0]?.status;
  if (answer.status === 404) throw new Error(`no pipeline ${pipeline}: ${answer.body.detail}`);
  return undefined;
}

export async function queuedRunId(client: TypedClient, pipeline: string): Promise<string> {
  const answer = await client.triggerRun(pipeline);
  if (answer.status === 202) return answer.body.runId;
  if (answer.status === 409) throw new Error(`already running: ${answer.body.code}`);
  throw new Error(`trigger answered ${String(answer.status)}`);
}

export async function problemCode(client: TypedClient, runId: string): Promise<string | undefined> {
  const answer = await client.getRun(runId);
  return answer.status === 400 || answer.status === 404 ? answer.body.code : undefined;
}

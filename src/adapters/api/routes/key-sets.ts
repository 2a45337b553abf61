// Key sets over HTTP: declared sets with their key counts, one set's keys, and the admin's writes.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeKeySetIssue, type KeySetChange, parseKeySetEntries } from '../../../domain/key-set.ts';
import type { KeyEntry } from '../../../domain/partition-definition.ts';
import type { SluiceApp } from '../../../engine/app.ts';
import { HttpProblem } from '../problem.ts';

const keysBody = z.object({
  keys: z
    .array(
      z.object({
        key: z.string().describe("no whitespace, '|', '=' or ','"),
        attributes: z
          .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
          .optional()
          .describe('flat attribute values, stored as strings'),
      }),
    )
    .max(100_000),
});

/** The body's keys checked by the same rules as seed files; a 400 names each entry and field. */
function entriesOf(body: z.infer<typeof keysBody>): KeyEntry[] {
  const parsed = parseKeySetEntries(body.keys, {
    layout: 'nested',
    locate: (index) => `body.keys[${index}]`,
  });
  if (parsed.ok) return parsed.entries;
  throw new HttpProblem(
    400,
    'invalid_parameter',
    parsed.issues.slice(0, 20).map(describeKeySetIssue).join('; '),
  );
}

export function keySetRoutes(server: FastifyInstance, app: SluiceApp): void {
  const api = server.withTypeProvider<ZodTypeProvider>();
  const name = z.object({ name: z.string() });
  const logChange = (
    request: FastifyRequest,
    keySet: string,
    what: string,
    change: Partial<KeySetChange>,
  ) => {
    const actor = `api:${request.principal?.name ?? '?'}`;
    server.log.info({ keySet, actor, ...change }, `key set "${keySet}" ${what} by ${actor}`);
  };

  api.get(
    '/api/key-sets',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['key sets'],
        summary:
          'Declared key sets with their key counts and seed files, and stored sets no longer declared (viewer)',
      },
    },
    async () => ({ keySets: await app.keySets.summary() }),
  );

  api.get(
    '/api/key-sets/:name',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['key sets'],
        summary: "One key set's keys with their attributes, by key (viewer)",
        params: name,
      },
    },
    async (request) => {
      const keySet = app.keySets.declared(request.params.name);
      return { keySet: keySet.name, keys: await app.keySets.read(keySet.name) };
    },
  );

  api.put(
    '/api/key-sets/:name',
    {
      config: { policy: 'admin' },
      schema: {
        tags: ['key sets'],
        summary: 'Replace the whole key set: keys not in the body are removed (admin)',
        params: name,
        body: keysBody,
      },
    },
    async (request) => {
      // The set is checked before the body: an undeclared set is a 404 whatever the body holds.
      const keySet = app.keySets.declared(request.params.name);
      const change = await app.keySets.replace(keySet.name, entriesOf(request.body));
      logChange(request, keySet.name, 'replaced', change);
      return { keySet: keySet.name, ...change };
    },
  );

  api.post(
    '/api/key-sets/:name/keys',
    {
      config: { policy: 'admin' },
      schema: {
        tags: ['key sets'],
        summary: "Add keys or replace existing keys' attributes; other keys stay (admin)",
        params: name,
        body: keysBody,
      },
    },
    async (request) => {
      // The set is checked before the body: an undeclared set is a 404 whatever the body holds.
      const keySet = app.keySets.declared(request.params.name);
      const change = await app.keySets.upsert(keySet.name, entriesOf(request.body));
      logChange(request, keySet.name, 'upserted', change);
      return { keySet: keySet.name, ...change };
    },
  );

  api.delete(
    '/api/key-sets/:name/keys/:key',
    {
      config: { policy: 'admin' },
      schema: {
        tags: ['key sets'],
        summary: 'Remove one key; 404 when the set has no such key (admin)',
        params: z.object({ name: z.string(), key: z.string() }),
      },
    },
    async (request) => {
      const keySet = app.keySets.declared(request.params.name);
      await app.keySets.remove(keySet.name, request.params.key);
      logChange(request, keySet.name, `lost key "${request.params.key}"`, {});
      return { keySet: keySet.name, removed: request.params.key };
    },
  );
}

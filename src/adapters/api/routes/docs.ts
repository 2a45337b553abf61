// The OpenAPI document and a readable page of it, both behind a token like every other route.
import type { FastifyInstance } from 'fastify';
import { docsPageResponse, openApiDocumentResponse } from '../schemas/docs.ts';
import { viewerProblems } from '../schemas/problem.ts';

interface OpenApiOperation {
  summary?: string;
  tags?: string[];
  parameters?: Array<{
    name: string;
    in: string;
    required?: boolean;
    description?: string;
    schema?: { type?: string };
  }>;
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function renderDocs(document: { paths?: Record<string, Record<string, OpenApiOperation>> }): string {
  const rows: string[] = [];
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      const params = (operation.parameters ?? [])
        .map(
          (p) =>
            `<li><code>${escapeHtml(p.name)}</code> (${escapeHtml(p.in)}${p.required ? ', required' : ''}${p.schema?.type ? `, ${escapeHtml(p.schema.type)}` : ''})${p.description ? ` — ${escapeHtml(p.description)}` : ''}</li>`,
        )
        .join('');
      rows.push(
        `<section><h2><span class="m">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h2>` +
          `<p>${escapeHtml(operation.summary ?? '')}</p>${params ? `<ul>${params}</ul>` : ''}</section>`,
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>sluice API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
h2{font-size:1rem;margin:1.5rem 0 .25rem}.m{display:inline-block;min-width:4rem;color:#0550ae}
code{background:#f3f4f6;padding:0 .25rem}</style></head><body>
<h1>sluice API</h1><p>Every route but <code>/healthz</code> needs <code>Authorization: Bearer &lt;token&gt;</code>
(<code>sluice tokens create --name N --role viewer|analyst|admin</code>). Machine-readable:
<a href="/api/openapi.json">/api/openapi.json</a>. Errors are <code>application/problem+json</code> with a stable <code>code</code>.</p>
${rows.join('\n')}</body></html>`;
}

export function docsRoutes(app: FastifyInstance): void {
  app.get(
    '/api/openapi.json',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['docs'],
        operationId: 'getOpenApiDocument',
        summary: 'This OpenAPI document (viewer)',
        response: { 200: openApiDocumentResponse, ...viewerProblems },
      },
    },
    async () => app.swagger(),
  );
  app.get(
    '/api/docs',
    {
      config: { policy: 'viewer' },
      schema: {
        tags: ['docs'],
        operationId: 'getDocsPage',
        summary: 'The API reference as a page (viewer)',
        response: { 200: docsPageResponse, ...viewerProblems },
      },
    },
    async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(renderDocs(app.swagger() as never)),
  );
}

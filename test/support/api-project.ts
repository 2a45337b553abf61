// `sluice serve`'s API on a test project: the project of openTestProject, the server listening on a
// free local port, and one close() that waits for in-flight work before undoing all of it.
import { buildApiServer } from '../../src/adapters/api/api-server.ts';
import type { Backend } from './databases.ts';
import { openTestProject, type TestProject } from './test-project.ts';

export interface ApiProject extends TestProject {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:54321`. */
  base: string;
}

export async function openApiProject(
  backend: Backend,
  config: string,
  files: Record<string, string> = {},
): Promise<ApiProject> {
  const project = await openTestProject(backend, config, files);
  const server = await buildApiServer(project.sluice, { databaseUrl: project.databaseUrl });
  const base = await server.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    ...project,
    base,
    async close() {
      await server.app.close();
      await project.sluice.settle(10_000);
      await project.close();
    },
  };
}

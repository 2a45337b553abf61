// A sluice project on one test backend: an init project with the given config (and extra files),
// a fresh database, sluice opened on it, and one close() that undoes all of it.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createLogger } from '../../src/adapters/log/logger.ts';
import { openSluice, type Sluice } from '../../src/main.ts';
import type { Backend } from './databases.ts';
import { withInitProject } from './project.ts';

export interface TestProject {
  sluice: Sluice;
  dir: string;
  /** The PostgreSQL URL of the project's database; undefined on PGlite. */
  databaseUrl: string | undefined;
  /** Closes sluice, drops the database and removes the project directory. */
  close(): Promise<void>;
}

export async function openTestProject(
  backend: Backend,
  config: string,
  files: Record<string, string> = {},
): Promise<TestProject> {
  const project = await withInitProject({ pglite: backend.kind === 'pglite' });
  await writeFile(join(project.dir, 'sluice.config.ts'), config);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(project.dir, path)), { recursive: true });
    await writeFile(join(project.dir, path), text);
  }
  // On PGlite sluice opens the project's own data directory (seeded by withInitProject).
  const database = backend.kind === 'postgres' ? await backend.open({ migrated: true }) : undefined;
  if (database) await database.db.close();
  const sluice = await openSluice({
    cwd: project.dir,
    databaseUrl: database?.url,
    dataDir: join(project.dir, '.sluice'),
    logger: createLogger({ level: 'silent' }),
  });
  return {
    sluice,
    dir: project.dir,
    databaseUrl: database?.url,
    async close() {
      await sluice.close();
      await database?.close();
      await project.remove();
    },
  };
}

// A throwaway sluice project on disk: the `sluice init` example, for tests that need a whole app.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/adapters/cli/main.ts';
import { seedPgliteDataDir } from './pglite-template.ts';

/**
 * `pglite` (default true) seeds the project's embedded database, .sluice/pgdata, with a migrated
 * copy, as if sluice had created it; pass false when the project runs on PostgreSQL.
 */
export async function withInitProject(
  options: { pglite?: boolean } = {},
): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-project-'));
  const silent = { stdout: () => {}, stderr: () => {}, cwd: dir };
  const code = await main(['init'], silent);
  if (code !== 0) throw new Error(`sluice init failed with ${code}`);
  if (options.pglite !== false) await seedPgliteDataDir(join(dir, '.sluice'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

// A throwaway sluice project on disk: the `sluice init` example, for tests that need a whole app.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/adapters/cli/main.ts';

export async function withInitProject(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-project-'));
  const silent = { stdout: () => {}, stderr: () => {}, cwd: dir };
  const code = await main(['init'], silent);
  if (code !== 0) throw new Error(`sluice init failed with ${code}`);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

// The file a `sluice serve` on the embedded database leaves in its data directory, so that CLI
// commands run beside it go through its API instead of failing on the lock: its address and a
// credential, readable by the owning user only (0600), removed when the server stops.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Settings } from '../config/settings.ts';

/** Beside the lock file (sluice.lock), which stays the one word on who holds the database. */
const SERVED_FILE = 'sluice.serve.json';

export interface ServedProject {
  pid: number;
  /** The API's base URL, as `listen()` returned it. */
  address: string;
  /** A bearer token the server holds in memory only. */
  token: string;
  since: string;
}

export interface PublishedProject {
  /** Removes the file if it is still this process's. */
  remove(): Promise<void>;
}

/** The data directory openSluice opens for this config when DATABASE_URL is unset. */
export function embeddedDataDir(settings: Settings, configPath: string | undefined, cwd: string): string {
  return settings.dataDir ?? join(dirname(resolve(cwd, configPath ?? 'sluice.config.ts')), '.sluice');
}

export function newLocalToken(): string {
  return `sluice_local_${randomBytes(32).toString('base64url')}`;
}

/** Writes the file whole (a temporary file renamed into place), created with mode 0600. */
export async function publishServedProject(
  dataDir: string,
  served: Omit<ServedProject, 'pid' | 'since'>,
): Promise<PublishedProject> {
  const path = join(dataDir, SERVED_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  const record: ServedProject = { pid: process.pid, since: new Date().toISOString(), ...served };
  // The mode applies at creation, before a byte of the token is written; umask only narrows it.
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(record)}\n`);
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  return {
    async remove() {
      if ((await readServedProject(dataDir, { alive: false }))?.pid !== process.pid) return;
      await unlink(path).catch(() => {});
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The server published in `dataDir`, if its process still runs (a killed server leaves its file
 * behind; the next command then opens the database itself and takes over the stale lock).
 */
export async function readServedProject(
  dataDir: string,
  options: { alive: boolean } = { alive: true },
): Promise<ServedProject | undefined> {
  let text: string;
  try {
    text = await readFile(join(dataDir, SERVED_FILE), 'utf8');
  } catch {
    return undefined;
  }
  let value: Partial<ServedProject>;
  try {
    value = JSON.parse(text) as Partial<ServedProject>;
  } catch {
    return undefined;
  }
  if (typeof value.pid !== 'number' || typeof value.address !== 'string' || typeof value.token !== 'string')
    return undefined;
  const served: ServedProject = {
    pid: value.pid,
    address: value.address,
    token: value.token,
    since: String(value.since),
  };
  if (options.alive && (served.pid === process.pid || !isAlive(served.pid))) return undefined;
  return served;
}

// One process at a time per embedded data directory: PGlite itself does not guard against a second.
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, SluiceError } from '../../domain/errors.ts';

interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface DataDirLock {
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, 'sluice.lock');
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    command: process.argv.slice(2).join(' ') || 'sluice',
    since: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(JSON.stringify(me));
      await handle.close();
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          const owner = await readOwner(path);
          if (owner?.pid === me.pid) await unlink(path).catch(() => {});
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = await readOwner(path);
    const stale = owner === undefined || (owner.host === me.host && !isAlive(owner.pid));
    if (!stale) {
      throw new SluiceError(
        ErrorCode.dataDirLocked,
        `the embedded database in ${dataDir} is in use by process ${owner.pid} on ${owner.host} ` +
          `("sluice ${owner.command}", since ${owner.since}). PGlite allows one process per data directory: ` +
          'stop that process or use its HTTP API, or set DATABASE_URL to share a PostgreSQL server.',
      );
    }
    // The previous owner died without releasing: take the lock over.
    await unlink(path).catch(() => {});
  }
  throw new SluiceError(
    ErrorCode.dataDirLocked,
    `could not lock ${dataDir}: another process keeps taking it`,
  );
}

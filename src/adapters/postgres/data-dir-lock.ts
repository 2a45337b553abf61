// One process at a time per embedded data directory: PGlite itself does not guard against a second.
//
// Every step that decides who holds the lock is one atomic file-system call that only one racer can
// win: the lock file appears whole, by link() from a fully written file (never empty, never half
// written), and a stale, empty or corrupt lock is removed only by the single process that won the
// exclusive create of a takeover marker named for exactly that lock file.
import { createHash, randomUUID } from 'node:crypto';
import { link, mkdir, open, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, SluiceError } from '../../domain/errors.ts';

interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: string;
  /** Tells this acquisition from any other, also of the same pid. */
  token: string;
}

export interface DataDirLock {
  release(): Promise<void>;
}

const LOCK_FILE = 'sluice.lock';
/** How long a racer waits for another's takeover of a stale lock to finish before giving up. */
const TAKEOVER_WAIT_MS = 5_000;

/** What a lock file is: its inode and change time tell one file from a later one with the same bytes. */
interface LockSnapshot {
  identity: string;
  owner: LockOwner | undefined;
}

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isErrno(error, 'EPERM');
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockOwner> | null;
    return typeof value?.pid === 'number' && typeof value.host === 'string'
      ? (value as LockOwner)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a lock file through one descriptor, so the identity and the bytes are of the same file. */
async function snapshot(path: string): Promise<LockSnapshot | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  try {
    const stat = await handle.stat({ bigint: true });
    const text = await handle.readFile('utf8');
    const identity = createHash('sha256')
      .update(`${stat.dev}:${stat.ino}:${stat.ctimeNs}:`)
      .update(text)
      .digest('hex')
      .slice(0, 24);
    return { identity, owner: parseOwner(text) };
  } finally {
    await handle.close();
  }
}

/** Creates `path` holding the bytes of `source`, or fails with EEXIST: atomic and all or nothing. */
async function createWhole(source: string, path: string): Promise<boolean> {
  try {
    await link(source, path);
    return true;
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    throw error;
  }
}

/** Empty, corrupt, or written by a process of this host that is gone. */
function isStale(owner: LockOwner | undefined, host: string): boolean {
  return owner === undefined || (owner.host === host && !isAlive(owner.pid));
}

/**
 * Removes the stale lock file `seen` if this process wins the right to: the markers
 * `<lock>.takeover-<identity>.<n>` are created exclusively, so one racer per stale file holds one.
 * A marker whose creator died lets the next number be tried. Answers false while another live
 * process is taking over, true when the lock should be tried again.
 */
async function takeOver(
  path: string,
  seen: LockSnapshot,
  me: LockOwner,
  ownerFile: string,
): Promise<boolean> {
  const markers: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const marker = markerPath(path, seen, attempt);
    markers.push(marker);
    if (await createWhole(ownerFile, marker)) break;
    const taker = await snapshot(marker);
    // Gone again: its winner has finished, so look at the lock afresh.
    if (taker === undefined) return true;
    if (!isStale(taker.owner, me.host)) return false;
  }
  // Ours: no one else may remove this lock file now, and its dead owner cannot release it.
  const current = await snapshot(path);
  if (current?.identity === seen.identity) await unlink(path);
  // Only now, with that file gone, is a marker of it harmless to remove: whoever creates one again
  // finds another lock file (or none) and leaves it alone.
  await Promise.all(markers.map((marker) => unlink(marker).catch(() => {})));
  return true;
}

/**
 * The takeover marker a process creates first when it finds `dataDir`'s lock stale (for tests of a
 * takeover cut short), or undefined when there is no lock file.
 */
export async function firstTakeoverMarker(dataDir: string): Promise<string | undefined> {
  const path = join(dataDir, LOCK_FILE);
  const seen = await snapshot(path);
  return seen && markerPath(path, seen, 0);
}

function markerPath(path: string, seen: LockSnapshot, attempt: number): string {
  return `${path}.takeover-${seen.identity}.${attempt}`;
}

function lockedError(dataDir: string, owner: LockOwner): SluiceError {
  return new SluiceError(
    ErrorCode.dataDirLocked,
    `the embedded database in ${dataDir} is in use by process ${owner.pid} on ${owner.host} ` +
      `("sluice ${owner.command}", since ${owner.since}). PGlite allows one process per data directory: ` +
      'stop that process or use its HTTP API, or set DATABASE_URL to share a PostgreSQL server.',
  );
}

export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  try {
    return await takeDataDirLock(dataDir);
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    throw new SluiceError(
      ErrorCode.database,
      `could not lock the embedded database in ${dataDir}: ${(error as Error).message}. sluice creates, ` +
        `hard-links and reads ${LOCK_FILE}* files there: the directory must be writable by this user, on a ` +
        `file system with hard links, and ${join(dataDir, LOCK_FILE)} must be a file.`,
      { cause: error },
    );
  }
}

async function takeDataDirLock(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    command: process.argv.slice(2).join(' ') || 'sluice',
    since: new Date().toISOString(),
    token: randomUUID(),
  };
  const ownerFile = `${path}.${me.pid}.${me.token}.tmp`;
  await writeFile(ownerFile, JSON.stringify(me), { flag: 'wx' });
  try {
    const deadline = Date.now() + TAKEOVER_WAIT_MS;
    let takerSeen = false;
    while (Date.now() < deadline) {
      if (await createWhole(ownerFile, path)) return heldLock(path, me);
      const seen = await snapshot(path);
      if (seen === undefined) continue;
      if (seen.owner && !isStale(seen.owner, me.host)) throw lockedError(dataDir, seen.owner);
      if (!(await takeOver(path, seen, me, ownerFile))) {
        takerSeen = true;
        await sleep(10 + Math.random() * 20);
      }
    }
    throw new SluiceError(
      ErrorCode.dataDirLocked,
      takerSeen
        ? `could not lock ${dataDir}: another process has been taking over its stale lock for ${TAKEOVER_WAIT_MS} ms; ` +
            `if no sluice process is running there, delete ${path} and its ${LOCK_FILE}.takeover-* files`
        : `could not lock ${dataDir}: other processes kept taking it for ${TAKEOVER_WAIT_MS} ms`,
    );
  } finally {
    await unlink(ownerFile).catch(() => {});
  }
}

function heldLock(path: string, me: LockOwner): DataDirLock {
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      // Only our own file: a lock taken over after we were wrongly judged dead is not ours to remove.
      const current = await snapshot(path);
      if (current?.owner?.token === me.token) await unlink(path).catch(() => {});
    },
  };
}

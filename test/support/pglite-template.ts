// PGlite data directories copied from a template, because a fresh one runs initdb (7–14 s on a
// loaded 2-core machine) while copying a finished one takes half a second.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { loadMigrations, migrate } from '../../src/adapters/postgres/migrate.ts';
import { openPglite } from '../../src/adapters/postgres/pglite-database.ts';

const run = promisify(execFile);

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Built once per machine and key (the PGlite version, and the migrations), shared by every test
 * process: each builds under its own name and renames it into place, so a race costs a second
 * build, never a half-written template.
 */
async function buildOnce(final: string, build: (path: string) => Promise<void>): Promise<string> {
  if (await exists(final)) return final;
  const building = `${final}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  await build(building);
  await rename(building, final).catch(async (error: NodeJS.ErrnoException) => {
    // Another process won the race; its template is as good as ours.
    await rm(building, { recursive: true, force: true });
    if (!(await exists(final))) throw error;
  });
  return final;
}

async function templateKey(withMigrations: boolean): Promise<string> {
  const hash = createHash('sha256');
  // The package does not export its package.json, so read the installed copy directly.
  const pglitePackage = new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url);
  hash.update(JSON.parse(await readFile(pglitePackage, 'utf8')).version);
  if (withMigrations) for (const migration of await loadMigrations()) hash.update(migration.sql);
  return join(tmpdir(), `sluice-test-pglite-${hash.digest('hex').slice(0, 16)}`);
}

let bare: Promise<Blob> | undefined;

/**
 * A fresh, unmigrated in-memory database's data directory as a tarball, for openPglite's
 * loadDataDir: what `openPglite(undefined)` would have built, without initdb.
 */
export function bareDataDir(): Promise<Blob> {
  bare ??= (async () => {
    const path = await buildOnce(`${await templateKey(false)}-bare.tar`, async (building) => {
      const db = await PGlite.create();
      try {
        await writeFile(building, Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer()));
      } finally {
        await db.close();
      }
    });
    return new Blob([await readFile(path)]);
  })();
  return bare;
}

let migrated: Promise<string> | undefined;

/** Makes `dataDir/pgdata` a copy of a migrated template, as if sluice had created and migrated it. */
export async function seedPgliteDataDir(dataDir: string): Promise<void> {
  migrated ??= buildOnce(`${await templateKey(true)}-migrated`, async (building) => {
    const db = await openPglite(building);
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
  });
  await mkdir(dataDir, { recursive: true });
  // The system cp: fs.cp walks the ~1,000 files in JavaScript and is ten times slower.
  await run('cp', ['-R', join(await migrated, 'pgdata'), join(dataDir, 'pgdata')]);
}

// Applies the numbered SQL migrations in one transaction under an advisory lock.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Any constant works; every sluice process must use the same one. */
const MIGRATION_LOCK = 7_310_240_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(): Promise<Migration[]> {
  const names = (await readdir(MIGRATIONS_DIR)).filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name)).sort();
  return Promise.all(
    names.map(async (name) => ({
      version: Number(name.slice(0, 4)),
      name: name.replace(/\.sql$/, ''),
      sql: await readFile(`${MIGRATIONS_DIR}${name}`, 'utf8'),
    })),
  );
}

export interface MigrateOptions {
  /** Stop after this version, to build an older schema (tests of a migration's data changes). */
  through?: number;
}

/** Returns the names of the migrations this call applied (empty when the schema was current). */
export async function migrate(db: Database, options: MigrateOptions = {}): Promise<string[]> {
  const { through = Number.POSITIVE_INFINITY } = options;
  const migrations = (await loadMigrations()).filter((migration) => migration.version <= through);
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`
      CREATE SCHEMA IF NOT EXISTS sluice;
      CREATE TABLE IF NOT EXISTS sluice.migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      );`);
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM sluice.migrations');
    const applied = new Set(rows.map((row) => row.version));
    const done: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO sluice.migrations (version, name) VALUES ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      done.push(migration.name);
    }
    return done;
  });
}

/** Migrations the code knows that the database has not applied, for /readyz and `status`. */
export async function pendingMigrations(db: Database): Promise<string[]> {
  const migrations = await loadMigrations();
  const { rows } = await db
    .query<{ version: number }>('SELECT version FROM sluice.migrations')
    .catch(() => ({ rows: [] as { version: number }[] }));
  const applied = new Set(rows.map((row) => row.version));
  return migrations.filter((migration) => !applied.has(migration.version)).map((migration) => migration.name);
}

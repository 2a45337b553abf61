// The two databases every store and engine suite runs on: embedded PGlite and a real PostgreSQL.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Database } from '../../src/adapters/postgres/database.ts';
import { loadMigrations, migrate } from '../../src/adapters/postgres/migrate.ts';
import { openPostgres } from '../../src/adapters/postgres/pg-database.ts';
import { openPglite } from '../../src/adapters/postgres/pglite-database.ts';
import { bareDataDir } from './pglite-template.ts';

export const ADMIN_URL = process.env.SLUICE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  db: Database;
  /** Connection string of the per-suite database (PostgreSQL only). */
  url: string | undefined;
  close(): Promise<void>;
}

export interface Backend {
  kind: 'pglite' | 'postgres';
  /** A reason to skip, or false. In CI (CI=true) PostgreSQL is mandatory and never skipped. */
  skip: string | false;
  /** `migrated` (PostgreSQL; PGlite ignores it): every migration already applied, for suites that open sluice on it. */
  open(options?: { migrated?: boolean }): Promise<TestDatabase>;
}

async function postgresReachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The `node --test` run this process belongs to (set by global-setup.ts; this process when run alone). */
export function testRunId(): string {
  return process.env.SLUICE_TEST_RUN ?? String(process.pid);
}

/** Any constant works; every test process must use the same one. */
const TEMPLATE_LOCK = 7_310_240_002;
let template: Promise<string> | undefined;

/**
 * A database with every migration applied, built once per server and set of migrations (the
 * name carries their hash) and copied by CREATE DATABASE … TEMPLATE: suites that open sluice
 * would otherwise each run all the migrations. Built under a temporary name and renamed while
 * holding an advisory lock, so a crashed build never leaves a half-migrated template.
 */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const hash = createHash('sha256');
    for (const migration of await loadMigrations()) hash.update(migration.sql);
    // One template per test run (its global setup names the run): a teardown drops only its own,
    // so two runs side by side (two worktrees, a CI clone) never pull a template from under each other.
    const name = `sluice_test_tpl_${hash.digest('hex').slice(0, 16)}_${testRunId()}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) {
        const building = `${name}_b${process.pid}`;
        await admin.query(`DROP DATABASE IF EXISTS ${building}`);
        await admin.query(`CREATE DATABASE ${building}`);
        const url = new URL(ADMIN_URL);
        url.pathname = `/${building}`;
        const db = await openPostgres(url.toString());
        try {
          await migrate(db);
        } finally {
          await db.close();
        }
        await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
      }
      return name;
    } finally {
      await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]).catch(() => {});
      await admin.end();
    }
  })();
  return template;
}

/**
 * Creates a fresh database on the server; the suite drops it when done. `migrated` copies the
 * migrated template, for suites that open sluice (which would migrate it anyway).
 */
export async function createPostgresDatabase(
  options: { migrated?: boolean } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `sluice_test_${randomBytes(6).toString('hex')}`;
  const from = options.migrated ? ` TEMPLATE ${await migratedTemplate()}` : '';
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}${from}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

let cached: Backend[] | undefined;

export async function testBackends(): Promise<Backend[]> {
  if (cached) return cached;
  const unreachable = await postgresReachable();
  if (unreachable && process.env.CI === 'true') {
    throw new Error(
      `CI=true: the PostgreSQL suite is mandatory but ${ADMIN_URL} is unreachable (${unreachable}). ` +
        'Start PostgreSQL or set SLUICE_TEST_PG_URL.',
    );
  }
  if (unreachable) {
    process.stderr.write(`\n# SKIPPING the PostgreSQL suite: ${ADMIN_URL} is unreachable (${unreachable})\n`);
  }
  cached = [
    {
      kind: 'pglite',
      skip: false,
      async open() {
        // In memory, from an initdb'd tarball: a fresh in-memory PGlite would run initdb (7–14 s here).
        const db = await openPglite(undefined, { loadDataDir: await bareDataDir() });
        return { db, url: undefined, close: () => db.close() };
      },
    },
    {
      kind: 'postgres',
      skip: unreachable ? `PostgreSQL unreachable at ${ADMIN_URL}: ${unreachable}` : false,
      async open(options = {}) {
        const created = await createPostgresDatabase(options);
        const db = await openPostgres(created.url);
        return {
          db,
          url: created.url,
          async close() {
            await db.close();
            await created.drop();
          },
        };
      },
    },
  ];
  return cached;
}

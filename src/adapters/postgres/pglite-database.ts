// Embedded Postgres (PGlite) in a data directory, guarded by a lock file against a second process.
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { acquireDataDirLock } from './data-dir-lock.ts';
import { type Database, parseDate, parseInt8, type Queryable, TypeOid } from './database.ts';

const parsers = { [TypeOid.int8]: parseInt8, [TypeOid.date]: parseDate };

function wrap(db: PGlite | Transaction, transaction: Queryable['transaction']): Queryable {
  return {
    async query<R>(sql: string, params?: readonly unknown[]) {
      const result = await db.query<R>(sql, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
    async copyFrom(target: string, data: string) {
      // PGlite reads COPY input from a Blob mounted at /dev/blob.
      await db.query(`COPY ${target} FROM '/dev/blob'`, [], { blob: new Blob([data]) });
    },
    transaction,
  };
}

const instances = new WeakMap<Database, PGlite>();

/** The PGlite instance behind an embedded database, for libraries that talk to it directly (pg-boss). */
export function pgliteOf(db: Database): PGlite | undefined {
  return instances.get(db);
}

export interface PgliteOpenOptions {
  /** A data directory tarball (PGlite's dumpDataDir) to start from instead of running initdb; tests use it. */
  loadDataDir?: Blob;
}

/** Opens PGlite in `dataDir` (created if missing), or in memory when `dataDir` is undefined. */
export async function openPglite(
  dataDir: string | undefined,
  options: PgliteOpenOptions = {},
): Promise<Database> {
  const lock = dataDir ? await acquireDataDirLock(dataDir) : undefined;
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir ? `${dataDir}/pgdata` : undefined, {
      parsers,
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
  } catch (error) {
    await lock?.release();
    throw error;
  }
  const transaction: Queryable['transaction'] = (fn) =>
    db.transaction((tx) => {
      const inner: Queryable = wrap(tx, (nested) => nested(inner));
      return fn(inner);
    });
  const database: Database = {
    kind: 'pglite',
    location: dataDir ?? '(in memory)',
    ...wrap(db, transaction),
    close: async () => {
      try {
        await db.close();
      } finally {
        await lock?.release();
      }
    },
  };
  instances.set(database, db);
  return database;
}

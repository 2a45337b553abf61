// Embedded Postgres (PGlite) in a data directory, guarded by a lock file against a second process.
import { PGlite } from '@electric-sql/pglite';
import { acquireDataDirLock } from './data-dir-lock.ts';
import { type Database, parseDate, parseInt8, type Queryable, TypeOid } from './database.ts';

const parsers = { [TypeOid.int8]: parseInt8, [TypeOid.date]: parseDate };

function wrap(db: Pick<PGlite, 'query' | 'exec'>): Queryable {
  return {
    async exec(sql: string) {
      await db.exec(sql);
    },
    async query<R>(sql: string, params?: readonly unknown[]) {
      const result = await db.query<R>(sql, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  };
}

/** Opens PGlite in `dataDir` (created if missing), or in memory when `dataDir` is undefined. */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const lock = dataDir ? await acquireDataDirLock(dataDir) : undefined;
  let db: PGlite;
  try {
    db = await PGlite.create(dataDir ? `${dataDir}/pgdata` : undefined, { parsers });
  } catch (error) {
    await lock?.release();
    throw error;
  }
  const queryable = wrap(db);
  return {
    kind: 'pglite',
    location: dataDir ?? '(in memory)',
    query: queryable.query,
    exec: queryable.exec,
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: async () => {
      try {
        await db.close();
      } finally {
        await lock?.release();
      }
    },
  };
}

// A PostgreSQL server through a node-postgres pool.
import pg from 'pg';
import { type Database, parseDate, parseInt8, type Queryable, redactUrl, TypeOid } from './database.ts';

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === TypeOid.int8) return parseInt8;
    if (oid === TypeOid.date) return parseDate;
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async exec(sql: string) {
      await client.query(sql);
    },
    async query<R>(sql: string, params?: readonly unknown[]) {
      const result = await client.query(sql, params as unknown[] | undefined);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
    },
  };
}

export interface PgOptions {
  /** @defaultValue 10 */
  max?: number;
  applicationName?: string;
}

export async function openPostgres(url: string, options: PgOptions = {}): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    types,
    application_name: options.applicationName ?? 'sluice',
  });
  // An idle client that loses its server emits 'error' on the pool; without a listener Node exits.
  pool.on('error', () => {});
  const client = await pool.connect();
  client.release();
  const queryable = wrap(pool);
  return {
    kind: 'postgres',
    location: redactUrl(url),
    query: queryable.query,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    exec: queryable.exec,
    close: () => pool.end(),
  };
}

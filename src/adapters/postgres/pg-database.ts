// A PostgreSQL server through a node-postgres pool.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { type Database, parseDate, parseInt8, type Queryable, redactUrl, TypeOid } from './database.ts';

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === TypeOid.int8) return parseInt8;
    if (oid === TypeOid.date) return parseDate;
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

async function copyInto(client: pg.PoolClient, target: string, data: string): Promise<void> {
  await pipeline(Readable.from([data]), client.query(copyFromStdin(`COPY ${target} FROM STDIN`)));
}

function wrapClient(client: pg.PoolClient): Queryable {
  const queryable: Queryable = {
    async query<R>(sql: string, params?: readonly unknown[]) {
      const result = await client.query(sql, params as unknown[] | undefined);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql: string) {
      await client.query(sql);
    },
    copyFrom: (target, data) => copyInto(client, target, data),
    transaction: (fn) => fn(queryable),
  };
  return queryable;
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
  let closed: Promise<void> | undefined;
  const probe = await pool.connect();
  probe.release();

  const withClient = async <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  };
  return {
    kind: 'postgres',
    location: redactUrl(url),
    async query<R>(sql: string, params?: readonly unknown[]) {
      const result = await pool.query(sql, params as unknown[] | undefined);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    copyFrom: (target, data) => withClient((client) => copyInto(client, target, data)),
    transaction: (fn) =>
      withClient(async (client) => {
        await client.query('BEGIN');
        try {
          const result = await fn(wrapClient(client));
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      }),
    // Closing twice is harmless: a test's cleanup and a shutdown path may both close.
    close: () => {
      closed ??= pool.end();
      return closed;
    },
  };
}

// The one database interface the stores use, whether Postgres runs embedded (PGlite) or as a server.

export interface QueryResult<R> {
  rows: R[];
  /** Rows affected by an INSERT/UPDATE/DELETE, as the database reported it. */
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** Runs several statements without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
  /**
   * `COPY <target> FROM STDIN` with `data` in COPY text format. Temp tables live per
   * connection, so use it inside `transaction` when a later statement reads what it copied.
   */
  copyFrom(target: string, data: string): Promise<void>;
  /** Runs `fn` in one transaction on one connection; inside a transaction it simply runs `fn`. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database extends Queryable {
  readonly kind: DatabaseKind;
  /** Where the data lives, for people: a directory or a URL without its password. */
  readonly location: string;
  close(): Promise<void>;
}

/** Postgres OIDs whose text form we parse the same way on both drivers. */
export const TypeOid = { int8: 20, date: 1082, numeric: 1700 } as const;

/** int8 as a number when it fits exactly, otherwise its decimal text (JSON has no bigint). */
export function parseInt8(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

/** Dates stay 'YYYY-MM-DD': a JS Date would move them to a time zone. */
export function parseDate(text: string): string {
  return text;
}

/** Escapes one value for COPY text format; null is `\N`. */
export function copyText(value: string | null): string {
  if (value === null) return '\\N';
  if (!/[\\\t\n\r]/.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (char) => COPY_ESCAPES[char] as string);
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable DATABASE_URL)';
  }
}

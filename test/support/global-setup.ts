// Run once around the whole `node --test` run (--test-global-setup): the migrated PostgreSQL
// template the suites copied their databases from is dropped at the end, so a test run leaves no
// database behind on the server. The next run builds it again (a second or two).
import pg from 'pg';
import { ADMIN_URL } from './databases.ts';

export async function globalTeardown(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch {
    return; // No server: nothing was built on it.
  }
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'sluice\\_test\\_tpl\\_%'`,
    );
    for (const { datname } of rows) {
      // Template names are ours (sluice_test_tpl_<hex>), so they need no quoting beyond this check.
      if (!/^sluice_test_tpl_[0-9a-f]+$/.test(datname)) continue;
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

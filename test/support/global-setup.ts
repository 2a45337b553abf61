// Run once around the whole `node --test` run (--test-global-setup). Each run builds its own
// migrated PostgreSQL template (named after the run) and drops it at the end, so a run leaves no
// database behind and never drops the template of another run going on beside it. Templates of
// runs whose process is gone (killed) are dropped too.
import pg from 'pg';
import { ADMIN_URL } from './databases.ts';

export function globalSetup(): void {
  // Inherited by every test process the runner spawns after this.
  process.env.SLUICE_TEST_RUN = String(process.pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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
      // Template names are ours (sluice_test_tpl_<hex>_<run pid>), so they need no quoting beyond this check.
      // A name without a run is from before templates were per run: a leftover.
      const match = /^sluice_test_tpl_[0-9a-f]+(?:_([0-9]+))?(?:_b[0-9]+)?$/.exec(datname);
      if (!match) continue;
      const run = match[1] === undefined ? undefined : Number(match[1]);
      if (run !== undefined && run !== process.pid && alive(run)) continue;
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

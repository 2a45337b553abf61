// The SQL surface BI users rely on (docs/sql.md): `_run_id` joins sluice's runs without a cast,
// tables made by an older sluice are converted, the four views answer, and on PostgreSQL the
// documented read-only role, applied with psql, reads datasets and views and nothing else.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ensureDatasetTables } from '../../src/adapters/postgres/dataset-tables.ts';
import { testBackends } from '../support/databases.ts';
import { openTestProject, type TestProject } from '../support/test-project.ts';

const run = promisify(execFile);

const CONFIG = `import { dataset, defineConfig, files, pipeline, z } from 'sluice';
const readings = dataset('readings', {
  schema: z.object({ station: z.string(), at: z.coerce.date(), temp: z.coerce.number() }),
  key: ['station', 'at'],
  time: 'at',
  description: 'Hourly readings',
  freshness: { maxAge: '1000d', series: ['station'] },
});
export default defineConfig({
  datasets: [readings],
  pipelines: [pipeline('readings_csv', { source: files({ dir: 'in', glob: '*.csv' }), into: readings })],
});
`;

const CSV = 'station,at,temp\nannecy,2026-01-01T00:00:00Z,3.5\nlyon,2026-01-01T00:00:00Z,not-a-number\n';

/** The role recipe of docs/sql.md, as the docs print it. */
async function readerRecipe(): Promise<string> {
  const docs = await readFile(new URL('../../docs/sql.md', import.meta.url), 'utf8');
  const block = /<!-- sql-reader-recipe[^>]*-->\n```sql\n([\s\S]*?)```/.exec(docs)?.[1];
  assert.ok(block, 'docs/sql.md has the sql-reader-recipe block');
  return block;
}

/** Runs SQL through psql's standard input, as a user pasting the recipe would (`-c` skips psql variables). */
async function psql(url: string, sql: string): Promise<string> {
  const child = run('psql', [url, '-v', 'ON_ERROR_STOP=1', '-X', '-q', '-At', '-f', '-']);
  child.child.stdin?.end(sql);
  return (await child).stdout;
}

for (const backend of await testBackends()) {
  describe(`the SQL surface on ${backend.kind}`, { skip: backend.skip }, () => {
    let project: TestProject;
    let runId: string;
    before(async () => {
      project = await openTestProject(backend, CONFIG, { 'in/readings.csv': CSV });
      runId = (await project.sluice.run('readings_csv')).runId;
    });
    after(() => project?.close());

    it('joins a dataset table to sluice.runs on _run_id without a cast', async () => {
      // Before 0012 `_run_id` was text: `operator does not exist: uuid = text`.
      const { rows } = await project.sluice.db.query<{ station: string; pipeline: string; type: string }>(
        `SELECT t.station, r.pipeline, pg_typeof(t._run_id)::text AS type
           FROM public.readings t JOIN sluice.runs r ON r.id = t._run_id`,
      );
      assert.deepEqual(rows, [{ station: 'annecy', pipeline: 'readings_csv', type: 'uuid' }]);
    });

    it('answers the four views with the run, its reject, the series and no backfill', async () => {
      const db = project.sluice.db;
      const runs = await db.query<Record<string, unknown>>(
        'SELECT run_id, status, inserted, rejected, error_count FROM sluice.v_runs',
      );
      assert.deepEqual(runs.rows, [
        { run_id: runId, status: 'partial', inserted: 1, rejected: 1, error_count: 0 },
      ]);
      const rejects = await db.query<Record<string, unknown>>(
        'SELECT first_run_id, stage, origin_file, origin_line, raw FROM sluice.v_quarantine',
      );
      assert.equal(rejects.rows.length, 1);
      assert.equal(rejects.rows[0]?.first_run_id, runId);
      assert.equal(rejects.rows[0]?.stage, 'validate');
      assert.equal(rejects.rows[0]?.origin_line, 3);
      assert.match(String(rejects.rows[0]?.origin_file), /readings\.csv$/);
      const series = await db.query<Record<string, unknown>>(
        "SELECT dataset, series, last_run_id, age > interval '0' AS aged FROM sluice.v_freshness",
      );
      assert.deepEqual(series.rows, [
        { dataset: 'readings', series: { station: 'annecy' }, last_run_id: runId, aged: true },
      ]);
      const partitions = await db.query('SELECT * FROM sluice.v_backfill_partitions');
      assert.equal(partitions.rows.length, 0);
    });

    it('converts the text _run_id of a table made by an older sluice, keeping its values', async () => {
      const db = project.sluice.db;
      await db.exec('ALTER TABLE public.readings ALTER COLUMN _run_id TYPE text');
      // What every command does on start.
      const setups = await db.transaction((tx) =>
        ensureDatasetTables(tx, project.sluice.config.datasets.values()),
      );
      assert.deepEqual(setups[0]?.changes, [
        { kind: 'retype_system_column', column: '_run_id', from: 'text', to: 'uuid' },
      ]);
      const { rows } = await db.query<{ id: string; type: string }>(
        'SELECT _run_id AS id, pg_typeof(_run_id)::text AS type FROM public.readings',
      );
      assert.deepEqual(rows, [{ id: runId, type: 'uuid' }]);
    });

    it('lets the documented read-only role read datasets and views and nothing else (psql)', {
      skip: backend.kind === 'pglite' ? 'roles and psql need a PostgreSQL server' : false,
    }, async () => {
      const url = project.databaseUrl;
      assert.ok(url);
      // Roles are global to the server: a name of its own, so runs side by side never meet.
      const role = `sluice_reader_${randomBytes(4).toString('hex')}`;
      await psql(url, (await readerRecipe()).replaceAll('sluice_reader', role));
      try {
        const asReader = new URL(url);
        asReader.username = role;
        const joined = await psql(
          asReader.toString(),
          "SELECT t.station || ',' || r.status FROM public.readings t JOIN sluice.v_runs r ON r.run_id = t._run_id",
        );
        assert.equal(joined.trim(), 'annecy,partial');
        assert.equal(
          (await psql(asReader.toString(), 'SELECT count(*) FROM sluice.v_quarantine')).trim(),
          '1',
        );
        for (const table of ['sluice.api_tokens', 'sluice.runs']) {
          await assert.rejects(psql(asReader.toString(), `SELECT 1 FROM ${table}`), /permission denied/);
        }
        await assert.rejects(psql(asReader.toString(), 'DELETE FROM public.readings'), /permission denied/);
        // Comments are what psql's \d+ shows.
        const described = await psql(asReader.toString(), '\\dt+ public.readings');
        assert.match(described, /Hourly readings/);
        const views = await psql(asReader.toString(), '\\dv sluice.*');
        for (const view of ['v_backfill_partitions', 'v_freshness', 'v_quarantine', 'v_runs']) {
          assert.match(views, new RegExp(`sluice\\|${view}\\|view`));
        }
      } finally {
        await psql(url, `DROP OWNED BY ${role}; DROP ROLE ${role};`);
      }
    });
  });
}

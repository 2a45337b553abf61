// Last-wins holds for the whole run: a key repeated across batches and lanes is written once, with its
// last value, and a re-run of identical input updates nothing. On both databases.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import type { Database } from '../../src/adapters/postgres/database.ts';
import { ensureDatasetTables } from '../../src/adapters/postgres/dataset-tables.ts';
import { createDatasetWriter, dropOrphanStages } from '../../src/adapters/postgres/dataset-writer.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { createQuarantineStore } from '../../src/adapters/postgres/quarantine-store.ts';
import { createRunStore, getRun } from '../../src/adapters/postgres/run-store.ts';
import { dataset } from '../../src/domain/dataset-definition.ts';
import { defineConfig, pipeline } from '../../src/domain/pipeline-definition.ts';
import { files } from '../../src/domain/source-definition.ts';
import type { SourceChunk } from '../../src/domain/source-item.ts';
import { collectPipeline } from '../../src/engine/collect-pipeline.ts';
import type { CollectPorts, Logger, SourceReader } from '../../src/engine/ports.ts';
import { testBackends } from '../support/databases.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

const readings = dataset('rw_readings', {
  schema: z.object({ station: z.string(), at: z.coerce.date(), temp: z.number() }),
  key: ['station', 'at'],
  time: 'at',
  write: 'merge',
});
const strict = dataset('rw_strict', {
  schema: z.object({ station: z.string(), at: z.coerce.date(), temp: z.number() }),
  key: ['station', 'at'],
  time: 'at',
  maxErrorRate: 0.1,
});

const reading = (station: string, hour: number, temp: unknown) => ({
  kind: 'record' as const,
  value: { station, at: `2026-03-02T${String(hour).padStart(2, '0')}:00:00Z`, temp },
  origin: { provider: 'test' },
});

/**
 * 30 records in chunks of 5 (batches of 4): stations a..e × hours 0..3 first, then a second
 * pass over stations a..c at hours 0..1 with other values, then five new keys. 6 repeats.
 */
function input(): SourceChunk[] {
  const items = [];
  for (const station of ['a', 'b', 'c', 'd', 'e'])
    for (let h = 0; h < 4; h++) items.push(reading(station, h, h));
  for (const station of ['a', 'b', 'c']) for (let h = 0; h < 2; h++) items.push(reading(station, h, 100 + h));
  for (const station of ['f', 'g', 'h', 'i']) items.push(reading(station, 0, 7));
  const chunks: SourceChunk[] = [];
  for (let i = 0; i < items.length; i += 5) chunks.push(items.slice(i, i + 5));
  return chunks;
}

for (const backend of await testBackends()) {
  describe(`run-wide last-wins on ${backend.kind}`, { skip: backend.skip }, () => {
    let db: Database;
    let close: () => Promise<void>;
    const config = defineConfig({
      pipelines: [
        pipeline('rw', { source: files({ dir: '.' }), into: readings }),
        pipeline('rw_strict', { source: files({ dir: '.' }), into: strict }),
        // One document fanned out into its rows, as a transform of a JSON API does.
        pipeline('rw_fanout', {
          source: files({ dir: '.' }),
          into: strict,
          transform: (doc) => (doc as { rows: unknown[] }).rows,
        }),
        pipeline('rw_nothing', { source: files({ dir: '.' }), into: strict, transform: () => [] }),
      ],
    });
    const ports = (chunks: SourceChunk[]): CollectPorts => ({
      readSource: async function* () {
        yield* chunks;
      } satisfies SourceReader,
      writerFor: (d) => createDatasetWriter(db, 'public', d),
      runs: createRunStore(db),
      quarantine: createQuarantineStore(db),
      clock: { now: () => new Date() },
      logger: quiet,
      newRunId: randomUUID,
    });
    const stageTables = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'sluice_stage'`,
        )
      ).rows[0]?.n;

    before(async () => {
      ({ db, close } = await backend.open());
      await migrate(db);
      await db.transaction((tx) => ensureDatasetTables(tx, [readings, strict]));
    });
    after(() => close());

    it('writes each key once with its last value, and identical re-runs update nothing', async () => {
      const options = { trigger: 'test', baseDir: '.', batchSize: 4, writeLanes: 2 };
      const first = await collectPipeline(ports(input()), config.pipelines.get('rw')!, options);
      assert.equal(first.status, 'succeeded');
      assert.deepEqual(
        { ...first.counts, duplicateKeys: first.duplicateKeys },
        {
          fetched: 30,
          produced: 30,
          valid: 30,
          rejected: 0,
          inserted: 24,
          updated: 0,
          unchanged: 0,
          duplicateKeys: 6,
        },
      );
      const { rows } = await db.query<{ station: string; temp: number }>(
        `SELECT station, temp FROM rw_readings WHERE extract(hour FROM at) < 2 AND station IN ('a', 'b', 'c')
          ORDER BY station, at`,
      );
      assert.deepEqual(
        rows.map((r) => `${r.station}:${r.temp}`),
        ['a:100', 'a:101', 'b:100', 'b:101', 'c:100', 'c:101'],
      );
      const stored = await getRun(db, first.runId);
      assert.equal(stored.duplicateKeys, 6);
      assert.equal(stored.produced, 30);

      const runIdsBefore = await db.query<{ id: string }>(`SELECT DISTINCT _run_id AS id FROM rw_readings`);
      for (const again of [2, 3]) {
        const report = await collectPipeline(ports(input()), config.pipelines.get('rw')!, options);
        assert.deepEqual(
          [report.counts.inserted, report.counts.updated, report.counts.unchanged],
          [0, 0, 24],
          `run ${again} changes nothing`,
        );
      }
      const runIdsAfter = await db.query<{ id: string }>(`SELECT DISTINCT _run_id AS id FROM rw_readings`);
      assert.deepEqual(runIdsAfter.rows, runIdsBefore.rows, 'no row was rewritten by the re-runs');
      assert.equal(await stageTables(), 0, 'staging tables are dropped at the end of the run');
    });

    it('writes nothing of a run that fails its maximum error rate, even after several batches', async () => {
      const chunks: SourceChunk[] = [
        Array.from({ length: 8 }, (_, h) => reading('x', h, h)),
        Array.from({ length: 4 }, (_, h) => reading('x', 10 + h, 'bad')),
      ];
      const report = await collectPipeline(ports(chunks), config.pipelines.get('rw_strict')!, {
        trigger: 'test',
        baseDir: '.',
        batchSize: 2,
      });
      assert.equal(report.status, 'failed');
      assert.equal(report.errors[0]?.code, 'quality_error_rate');
      assert.match(report.errors[0]?.message ?? '', /4 of 12 records/);
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM rw_strict');
      assert.equal(rows[0]?.n, 0);
      assert.equal(await stageTables(), 0);
    });

    it('counts records, not source items: a fanned-out document is 3 % bad, not 300 %', async () => {
      const rows = Array.from({ length: 30 }, (_, h) => ({
        station: 'fan',
        at: `2026-03-01T${String(h % 24).padStart(2, '0')}:${h < 24 ? '00' : '30'}:00Z`,
        temp: h === 7 ? 'bad' : h,
      }));
      const report = await collectPipeline(
        ports([[{ kind: 'record', value: { rows }, origin: { provider: 'test' } }]]),
        config.pipelines.get('rw_fanout')!,
        { trigger: 'test', baseDir: '.' },
      );
      assert.equal(report.status, 'partial', 'below maxErrorRate 10 %: partial, not failed');
      assert.deepEqual([report.counts.fetched, report.counts.produced], [1, 30]);
      assert.deepEqual([report.quality.input, report.quality.produced], [1, 30]);
      assert.equal(report.quality.errorRate, 1 / 30);
      assert.equal(report.counts.inserted, 29);
    });

    it('warns when the source delivered items but the transform produced no record', async () => {
      const report = await collectPipeline(
        ports([[reading('z', 1, 1), reading('z', 2, 2)]]),
        config.pipelines.get('rw_nothing')!,
        { trigger: 'test', baseDir: '.' },
      );
      assert.equal(report.status, 'succeeded');
      assert.deepEqual(
        report.warnings.map((w) => w.code),
        ['no_records'],
      );
      assert.match(
        report.warnings[0]?.message ?? '',
        /delivered 2 item\(s\) but the transform produced no record/,
      );
      const stored = await getRun(db, report.runId);
      assert.equal(stored.report?.warnings[0]?.code, 'no_records');
    });

    it("drops the staging tables of runs that are no longer running, and keeps a live run's", async () => {
      const writer = createDatasetWriter(db, 'public', readings);
      const dead = randomUUID();
      const live = randomUUID();
      for (const [id, status] of [
        [dead, 'failed'],
        [live, 'running'],
      ] as const) {
        await db.query(
          `INSERT INTO sluice.runs (id, pipeline, dataset, trigger, status) VALUES ($1, 'rw', 'rw_readings', 'test', $2)`,
          [id, status],
        );
        await writer.openStage({ runId: id, provider: 'test' }, 0);
      }
      assert.equal(await stageTables(), 2);
      assert.equal(await dropOrphanStages(db), 1);
      assert.equal(await stageTables(), 1);
      await db.query(`UPDATE sluice.runs SET status = 'failed' WHERE id = $1`, [live]);
      assert.equal(await dropOrphanStages(db), 1);
    });
  });
}

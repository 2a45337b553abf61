// The run executor against real databases: runs persisted, counts from Postgres, rejects quarantined.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import type { Database } from '../../src/adapters/postgres/database.ts';
import { ensureDatasetTables } from '../../src/adapters/postgres/dataset-tables.ts';
import { createDatasetWriter } from '../../src/adapters/postgres/dataset-writer.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { createQuarantineStore, listQuarantine } from '../../src/adapters/postgres/quarantine-store.ts';
import { createRunStore, getRun } from '../../src/adapters/postgres/run-store.ts';
import { readSource } from '../../src/adapters/sources/read-source.ts';
import { dataset } from '../../src/domain/dataset-definition.ts';
import { SourceError } from '../../src/domain/errors.ts';
import { defineConfig, pipeline } from '../../src/domain/pipeline-definition.ts';
import { files } from '../../src/domain/source-definition.ts';
import type { SourceChunk } from '../../src/domain/source-item.ts';
import { collectPipeline } from '../../src/engine/collect-pipeline.ts';
import type { CollectPorts, Logger, SourceReader } from '../../src/engine/ports.ts';
import { testBackends } from '../support/databases.ts';

const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLogger };

const obs = dataset('obs', {
  schema: z.object({
    station: z.string(),
    at: z.coerce.date(),
    temp: z.number().min(-60).max(60).nullable(),
  }),
  key: ['station', 'at'],
  time: 'at',
});

const record = (station: string, hour: number, temp: unknown) => ({
  kind: 'record' as const,
  value: { station, at: `2024-10-05T${String(hour).padStart(2, '0')}:00:00Z`, temp },
  origin: { provider: 'test', file: 'f.json', line: hour },
});

/** A scripted source standing in for a reader: chunks to yield, then optionally an error. */
function scripted(chunks: SourceChunk[], failWith?: Error): SourceReader {
  return async function* () {
    for (const chunk of chunks) yield chunk;
    if (failWith) throw failWith;
  };
}

for (const backend of await testBackends()) {
  describe(`collectPipeline on ${backend.kind}`, { skip: backend.skip }, () => {
    let db: Database;
    let close: () => Promise<void>;
    const ports = (readSource: SourceReader): CollectPorts => ({
      readSource,
      writerFor: (d) => createDatasetWriter(db, 'public', d),
      runs: createRunStore(db),
      quarantine: createQuarantineStore(db),
      clock: { now: () => new Date() },
      logger: quietLogger,
      newRunId: randomUUID,
    });
    const config = defineConfig({
      datasets: [obs],
      pipelines: [
        pipeline('obs_plain', { source: files({ dir: '.' }), into: obs }),
        pipeline('obs_transformed', {
          source: files({ dir: '.' }),
          into: obs,
          transform: (value) => {
            const r = value as { station: string; at: string; temp: unknown };
            if (r.station === 'skip') return null;
            if (r.station === 'boom') throw new Error('cannot read this station');
            return [r, { ...r, station: `${r.station}_copy` }];
          },
        }),
        pipeline('obs_selected', { source: files({ dir: '.', glob: '*.json', records: 'data' }), into: obs }),
      ],
    });
    const plain = config.pipelines.get('obs_plain')!;
    const transformed = config.pipelines.get('obs_transformed')!;
    const selected = config.pipelines.get('obs_selected')!;

    before(async () => {
      ({ db, close } = await backend.open());
      await migrate(db);
      await db.transaction((tx) => ensureDatasetTables(tx, [obs]));
    });
    after(() => close());

    it('writes valid records, quarantines invalid ones with their issues and ends partial', async () => {
      const source = scripted([
        [record('a', 0, 7.5), record('a', 1, 'warm'), record('a', 2, null)],
        [
          record('b', 0, 99),
          {
            kind: 'rejected',
            raw: 'x,y',
            issues: [{ path: [], code: 'csv_ragged_row', message: 'ragged' }],
            origin: { provider: 'test', line: 9 },
          },
        ],
      ]);
      const report = await collectPipeline(ports(source), plain, {
        trigger: 'test',
        baseDir: '.',
        batchSize: 2,
      });
      assert.equal(report.status, 'partial');
      assert.deepEqual(report.counts, {
        fetched: 5,
        produced: 4,
        valid: 2,
        rejected: 3,
        inserted: 2,
        updated: 0,
        unchanged: 0,
      });
      assert.equal(report.quality.errorRate, 0.6);
      assert.deepEqual(report.quality.issues.map((i) => `${i.code}@${i.path}×${i.count}`).sort(), [
        'csv_ragged_row@×1',
        'invalid_type@temp×1',
        'too_big@temp×1',
      ]);
      const stored = await getRun(db, report.runId);
      assert.equal(stored.status, 'partial');
      assert.equal(stored.inserted, 2);
      assert.equal(stored.provider, 'test');
      assert.ok(stored.durationMs !== null && stored.finishedAt !== null);
      const quarantined = await listQuarantine(db, { runId: report.runId, limit: 10 });
      assert.equal(quarantined.length, 3);
      const ragged = quarantined.find((q) => q.issues[0]?.code === 'csv_ragged_row');
      assert.deepEqual(ragged?.raw, 'x,y');
      assert.deepEqual(ragged?.origin, { provider: 'test', line: 9 });
    });

    it('a second identical run inserts nothing and says so in its counts', async () => {
      const source = scripted([[record('c', 0, 1), record('c', 1, 2)]]);
      const first = await collectPipeline(ports(source), plain, { trigger: 'test', baseDir: '.' });
      const second = await collectPipeline(ports(source), plain, { trigger: 'test', baseDir: '.' });
      assert.equal(first.status, 'succeeded');
      assert.deepEqual([first.counts.inserted, first.counts.unchanged], [2, 0]);
      assert.deepEqual([second.counts.inserted, second.counts.updated, second.counts.unchanged], [0, 0, 2]);
    });

    it('a source that fails mid-way fails the run, and what was read before stays written and counted', async () => {
      const source = scripted(
        [[record('d', 0, 1), record('d', 1, 2)]],
        new SourceError('source_format_error', 'unexpected end of JSON'),
      );
      const report = await collectPipeline(ports(source), plain, { trigger: 'test', baseDir: '.' });
      assert.equal(report.status, 'failed');
      assert.equal(report.counts.inserted, 2);
      assert.deepEqual(
        report.errors.map((e) => [e.code, e.message]),
        [['source_format_error', 'unexpected end of JSON']],
      );
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM obs WHERE station = 'd'`,
      );
      assert.equal(rows[0]?.n, 2);
      const stored = await getRun(db, report.runId);
      assert.equal(stored.errors[0]?.code, 'source_format_error');
      assert.match(stored.errors[0]?.stack ?? '', /SourceError/);
    });

    it('applies the transform: one-to-many, skip, and a throwing transform quarantines the record', async () => {
      const source = scripted([[record('e', 0, 1), record('skip', 0, 1), record('boom', 0, 1)]]);
      const report = await collectPipeline(ports(source), transformed, { trigger: 'test', baseDir: '.' });
      assert.deepEqual(report.counts, {
        fetched: 3,
        produced: 2,
        valid: 2,
        rejected: 1,
        inserted: 2,
        updated: 0,
        unchanged: 0,
      });
      assert.equal(report.filtered, 1);
      assert.deepEqual(report.quality.issues, [{ code: 'transform_error', path: '', count: 1 }]);
      assert.equal(report.quality.samples[0]?.issues[0]?.message, 'cannot read this station');
    });

    it('warns no_records on the run when the JSON selector matched nothing in a file', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'sluice-collect-'));
      try {
        const at = '2024-10-05T00:00:00Z';
        await writeFile(path.join(dir, 'a.json'), JSON.stringify({ data: [{ station: 'f', at, temp: 1 }] }));
        await writeFile(path.join(dir, 'b.json'), JSON.stringify({ rows: [{ station: 'g', at, temp: 2 }] }));
        const report = await collectPipeline(ports(readSource), selected, { trigger: 'test', baseDir: dir });
        assert.equal(report.status, 'succeeded');
        assert.equal(report.counts.inserted, 1);
        assert.deepEqual(report.warnings, [
          { code: 'no_records', message: "the selector 'data' matched nothing in b.json" },
        ]);
        const stored = await getRun(db, report.runId);
        assert.deepEqual(stored.report?.warnings, report.warnings);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}

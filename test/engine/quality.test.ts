// Quality rules and the maximum error rate, through the real executor on both databases.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import type { Database } from '../../src/adapters/postgres/database.ts';
import { ensureDatasetTables } from '../../src/adapters/postgres/dataset-tables.ts';
import { createDatasetWriter } from '../../src/adapters/postgres/dataset-writer.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { createQuarantineStore, listQuarantine } from '../../src/adapters/postgres/quarantine-store.ts';
import { createRunStore, getRun } from '../../src/adapters/postgres/run-store.ts';
import { dataset } from '../../src/domain/dataset-definition.ts';
import { defineConfig, pipeline } from '../../src/domain/pipeline-definition.ts';
import { rule } from '../../src/domain/quality-rules.ts';
import { files } from '../../src/domain/source-definition.ts';
import type { SourceChunk } from '../../src/domain/source-item.ts';
import { collectPipeline } from '../../src/engine/collect-pipeline.ts';
import type { CollectPorts, Logger, SourceReader } from '../../src/engine/ports.ts';
import { testBackends } from '../support/databases.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const NOW = new Date('2026-03-02T12:00:00Z');

const observations = dataset('observations', {
  schema: z.object({
    station: z.string(),
    at: z.coerce.date(),
    temp: z.number().nullable(),
    kind: z.string(),
  }),
  key: ['station', 'at'],
  time: 'at',
  rules: [
    rule.range('temp', { min: -40, max: 45 }, { severity: 'warn' }),
    rule.allowed('kind', ['synop', 'static']),
    rule.uniqueKey(),
    rule.timeBounds({ future: '1h', horizon: '365d' }),
    rule.check(
      'cold_static',
      (r) => !(r.kind === 'static' && (r.temp as number) < -30),
      'static stations cannot read below -30 °C',
    ),
  ],
});
const strict = dataset('strict_observations', {
  schema: z.object({ station: z.string(), at: z.coerce.date(), temp: z.number() }),
  key: ['station', 'at'],
  time: 'at',
  maxErrorRate: 0.2,
});

const item = (value: Record<string, unknown>) => ({
  kind: 'record' as const,
  value,
  origin: { provider: 'test' },
});
const reading = (station: string, at: string, temp: number | null | string, kind = 'synop') =>
  item({ station, at, temp, kind });
const source = (chunks: SourceChunk[]): SourceReader =>
  async function* () {
    yield* chunks;
  };

for (const backend of await testBackends()) {
  describe(`quality rules on ${backend.kind}`, { skip: backend.skip }, () => {
    let db: Database;
    let close: () => Promise<void>;
    const config = defineConfig({
      pipelines: [
        pipeline('obs', { source: files({ dir: '.' }), into: observations }),
        pipeline('strict', { source: files({ dir: '.' }), into: strict }),
      ],
    });
    const ports = (readSource: SourceReader): CollectPorts => ({
      readSource,
      writerFor: (d) => createDatasetWriter(db, 'public', d),
      runs: createRunStore(db),
      quarantine: createQuarantineStore(db),
      clock: { now: () => NOW },
      logger: quiet,
      newRunId: randomUUID,
    });

    before(async () => {
      ({ db, close } = await backend.open());
      await migrate(db);
      await db.transaction((tx) => ensureDatasetTables(tx, [observations, strict]));
    });
    after(() => close());

    it('rejects and warns per rule, counts per rule and field, and keeps warned records', async () => {
      const report = await collectPipeline(
        ports(
          source([
            [
              reading('a', '2026-03-02T10:00:00Z', 12),
              reading('a', '2026-03-02T11:00:00Z', 51), // warn: range
              reading('a', '2026-03-02T11:00:00Z', 13), // reject: unique key in the run
              reading('b', '2026-03-02T10:00:00Z', 8, 'buoy'), // reject: allowed
              reading('c', '2026-03-02T15:00:00Z', 8), // reject: 3 h in the future
              reading('d', '2024-01-01T00:00:00Z', 8), // reject: beyond the horizon
              reading('e', '2026-03-02T10:00:00Z', -35, 'static'), // reject: custom check
              reading('f', '2026-03-02T10:00:00Z', 'hot'), // reject: schema
            ],
          ]),
        ),
        config.pipelines.get('obs')!,
        { trigger: 'test', baseDir: '.' },
      );
      assert.equal(report.status, 'partial');
      assert.deepEqual(
        {
          input: report.quality.input,
          valid: report.quality.valid,
          rejected: report.quality.rejected,
          warned: report.quality.warned,
        },
        { input: 8, valid: 2, rejected: 6, warned: 1 },
      );
      assert.equal(report.quality.errorRate, 6 / 8);
      assert.deepEqual(report.quality.issues.map((i) => `${i.code}@${i.path}`).sort(), [
        'invalid_type@temp',
        'rule:cold_static@',
        'rule:kind_allowed@kind',
        'rule:time_bounds@at',
        'rule:unique_key@',
      ]);
      assert.equal(report.quality.issues.find((i) => i.code === 'rule:time_bounds')?.count, 2);
      assert.deepEqual(report.quality.warnings, [{ code: 'rule:temp_range', path: 'temp', count: 1 }]);
      assert.equal(report.counts.inserted, 2, 'warned records are stored');
      const stored = await getRun(db, report.runId);
      assert.equal(stored.report?.quality.warned, 1);
      const quarantined = await listQuarantine(db, { runId: report.runId, limit: 20 });
      assert.equal(quarantined.length, 6);
    });

    it('fails a run above the maximum error rate and writes nothing of that batch', async () => {
      const report = await collectPipeline(
        ports(
          source([
            [
              item({ station: 'x', at: '2026-03-02T10:00:00Z', temp: 1 }),
              item({ station: 'x', at: '2026-03-02T11:00:00Z', temp: 'n/a' }),
              item({ station: 'x', at: '2026-03-02T12:00:00Z', temp: 'n/a' }),
            ],
          ]),
        ),
        config.pipelines.get('strict')!,
        { trigger: 'test', baseDir: '.' },
      );
      assert.equal(report.status, 'failed');
      assert.equal(report.errors[0]?.code, 'quality_error_rate');
      assert.match(
        report.errors[0]?.message ?? '',
        /error rate 66\.7 % \(2 of 3 records\) is above the dataset's maximum 20\.0 %/,
      );
      assert.equal(report.counts.inserted, 0);
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM strict_observations');
      assert.equal(rows[0]?.n, 0);
      const below = await collectPipeline(
        ports(
          source([
            [
              item({ station: 'y', at: '2026-03-02T10:00:00Z', temp: 1 }),
              ...Array.from({ length: 9 }, (_, i) =>
                item({ station: 'y', at: `2026-03-01T0${i}:00:00Z`, temp: i }),
              ),
            ],
          ]),
        ),
        config.pipelines.get('strict')!,
        { trigger: 'test', baseDir: '.' },
      );
      assert.equal(below.status, 'succeeded');
      assert.equal(below.counts.inserted, 10);
    });
  });
}

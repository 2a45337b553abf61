// What every connector suite does the same way: read a source once and transform what it
// yields, and run one pipeline into its dataset on a backend, twice.
import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/adapters/postgres/database.ts';
import { ensureDatasetTables } from '../../src/adapters/postgres/dataset-tables.ts';
import { createDatasetWriter } from '../../src/adapters/postgres/dataset-writer.ts';
import { migrate } from '../../src/adapters/postgres/migrate.ts';
import { createQuarantineStore } from '../../src/adapters/postgres/quarantine-store.ts';
import { createRunStore } from '../../src/adapters/postgres/run-store.ts';
import { readSource } from '../../src/adapters/sources/read-source.ts';
import { collectUntilError, recordValues, testContext } from '../../src/adapters/sources/source-test-kit.ts';
import type { DatasetDefinition } from '../../src/domain/dataset-definition.ts';
import {
  defineConfig,
  type PipelineDefinition,
  type Transform,
} from '../../src/domain/pipeline-definition.ts';
import type { SourceDefinition } from '../../src/domain/source-definition.ts';
import { collectPipeline } from '../../src/engine/collect-pipeline.ts';
import type { Logger, RunReport } from '../../src/engine/ports.ts';
import type { Backend } from './databases.ts';

const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLogger };

/** Reads the source once (no shared state) and transforms what it yields, as a run would. */
export async function collectRecords<Out>(
  source: SourceDefinition & { name: string },
  transform: Transform<unknown, Out>,
): Promise<{ records: Out[]; error: unknown }> {
  const { items, error } = await collectUntilError(readSource(source, testContext()));
  const context = { origin: { provider: source.name }, params: {} };
  const records = recordValues(items).flatMap((value) => {
    const out = transform(value, context);
    return out === null || out === undefined ? [] : Array.isArray(out) ? (out as Out[]) : [out as Out];
  });
  return { records, error };
}

/** Opens the backend, creates the dataset's table, runs the pipeline twice and hands both outcomes over. */
export async function runTwice(
  backend: Backend,
  dataset: DatasetDefinition,
  pipeline: PipelineDefinition,
  inspect: (db: Database, first: RunReport, second: RunReport) => Promise<void>,
): Promise<void> {
  const { db, close } = await backend.open();
  try {
    await migrate(db);
    await db.transaction((tx) => ensureDatasetTables(tx, [dataset]));
    const config = defineConfig({ datasets: [dataset], pipelines: [pipeline] });
    const ports = {
      readSource,
      writerFor: () => createDatasetWriter(db, 'public', dataset),
      runs: createRunStore(db),
      quarantine: createQuarantineStore(db),
      clock: { now: () => new Date() },
      logger: quietLogger,
      newRunId: randomUUID,
    };
    const defined = config.pipelines.get(pipeline.name)!;
    const first = await collectPipeline(ports, defined, { trigger: 'test', baseDir: '.' });
    const second = await collectPipeline(ports, defined, { trigger: 'test', baseDir: '.' });
    await inspect(db, first, second);
  } finally {
    await close();
  }
}

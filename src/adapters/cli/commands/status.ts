// `sluice status`: where the data lives, each dataset's size and each pipeline's last run.
import type { Sluice } from '../../../main.ts';
import { pendingMigrations } from '../../postgres/migrate.ts';
import type { DatasetStats, PipelineLastRun } from '../../postgres/stats-store.ts';
import type { Command } from '../command.ts';
import { json, table } from '../format.ts';
import { withSluice } from '../open.ts';

export interface StatusSummary {
  database: { kind: string; location: string; schema: string; pendingMigrations: string[] };
  config: string;
  datasets: DatasetStats[];
  pipelines: Array<{ name: string; dataset: string; source: string; lastRun: PipelineLastRun | null }>;
}

export async function statusSummary(sluice: Sluice): Promise<StatusSummary> {
  // The stores reach the dataset definitions (zod): loaded to run the command, not for --help.
  const { datasetStats, lastRunPerPipeline } = await import('../../postgres/stats-store.ts');
  const lastRuns = new Map((await lastRunPerPipeline(sluice.db)).map((run) => [run.pipeline, run]));
  return {
    database: {
      kind: sluice.db.kind,
      location: sluice.db.location,
      schema: sluice.schema,
      pendingMigrations: await pendingMigrations(sluice.db),
    },
    config: sluice.path,
    datasets: await datasetStats(sluice.db, sluice.schema, sluice.config.datasets.values(), 7),
    pipelines: [...sluice.config.pipelines.values()].map((pipeline) => ({
      name: pipeline.name,
      dataset: pipeline.into.name,
      source: `${pipeline.source.kind}:${pipeline.source.name}`,
      lastRun: lastRuns.get(pipeline.name) ?? null,
    })),
  };
}

export function describeStatus(summary: StatusSummary): string {
  const db = summary.database;
  const where =
    db.kind === 'pglite' ? `embedded PostgreSQL (PGlite) in ${db.location}` : `PostgreSQL at ${db.location}`;
  const datasets = table(
    ['dataset', 'table', 'rows', 'quarantined (all runs)', 'latest record'],
    summary.datasets.map((d) => [d.dataset, d.table, d.rows, d.quarantined, d.lastTime]),
  );
  const pipelines = table(
    ['pipeline', 'into', 'source', 'last run', 'finished', 'inserted', 'rejected'],
    summary.pipelines.map((p) => [
      p.name,
      p.dataset,
      p.source,
      p.lastRun?.status ?? 'never',
      p.lastRun?.finishedAt ?? null,
      p.lastRun?.inserted ?? null,
      p.lastRun?.rejected ?? null,
    ]),
  );
  const pending =
    db.pendingMigrations.length > 0 ? `\npending migrations: ${db.pendingMigrations.join(', ')}` : '';
  return `config: ${summary.config}\ndata: ${where}, datasets in schema "${db.schema}"${pending}\n\n${datasets}\n\n${pipelines}\n`;
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'Show where the data lives, each dataset and the last run of each pipeline.',
  usage: 'status',
  options: {},
  async run(args, io) {
    const summary = await withSluice(args, io, statusSummary);
    io.stdout(args.json ? json(summary) : describeStatus(summary));
    return 0;
  },
};

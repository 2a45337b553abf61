// `sluice status`: where the data lives, each dataset's size and each pipeline's last run.
import type { SluiceApp } from '../../../engine/app.ts';
import type { StatusSummary } from '../../../engine/status.ts';
import type { Command } from '../command.ts';
import { json, table } from '../format.ts';
import { withReadOnlyApp } from '../open.ts';

/** The status section's summary; `sluice start` prints it after its runs too. */
export function statusSummary(sluice: { app: Pick<SluiceApp, 'status'> }): Promise<StatusSummary> {
  return sluice.app.status.summary();
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
    const summary = await withReadOnlyApp(args, io, (app) => app.status.summary());
    io.stdout(args.json ? json(summary) : describeStatus(summary));
    return 0;
  },
};

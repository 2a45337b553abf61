// `sluice stats`: rows per dataset, all time and over the last N days, and runs by status.
import { type Command, intOption } from '../command.ts';
import { json, table } from '../format.ts';
import { withReadOnlyApp } from '../open.ts';

export const statsCommand: Command = {
  name: 'stats',
  summary: 'Totals per dataset (all time and the last N days) and runs by status.',
  usage: 'stats [--days N]',
  options: { days: { type: 'string', description: 'size of the recent window in days (default 7)' } },
  async run(args, io) {
    const days = intOption(args, 'days', 7, 36_500);
    const result = await withReadOnlyApp(args, io, (app) => app.status.stats(days));
    if (args.json) {
      io.stdout(json(result));
      return 0;
    }
    const rows = result.datasets.map((stats) => [
      stats.dataset,
      stats.rows,
      stats.rowsInRange,
      stats.insertedInRange,
      stats.quarantined,
      stats.lastTime,
    ]);
    const statusLine = (counts: Record<string, number>) =>
      Object.entries(counts)
        .map(([status, count]) => `${status} ${count}`)
        .join(', ') || 'none';
    io.stdout(
      `${table(['dataset', 'rows', `time in last ${days} d`, `stored in last ${days} d`, 'quarantined', 'latest record'], rows)}\n\n` +
        `runs, all time: ${statusLine(result.runs.allTime)}\nruns, last ${days} days: ${statusLine(result.runs.inRange)}\n`,
    );
    return 0;
  },
};

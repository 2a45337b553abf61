// `sluice freshness`: how recent each dataset and series is; `sluice refresh --stale`: run what feeds the stalest.
import { UsageError } from '../../../domain/errors.ts';
import { formatSeries, isHealthy, refreshTargets } from '../../../domain/freshness.ts';
import type { FreshnessReport } from '../../../engine/freshness.ts';
import type { RunReport } from '../../../engine/ports.ts';
import { type Command, intOption, stringOption } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { json, table } from '../format.ts';
import { withSluice } from '../open.ts';
import { describeRun, exitCodeForRuns } from './run.ts';

export function describeFreshness(report: FreshnessReport): string {
  const datasets = table(
    ['dataset', 'status', 'max age', 'series', 'fresh', 'stale', 'last record', 'last good run'],
    report.datasets.map((d) => [
      d.dataset,
      d.status,
      d.maxAge,
      d.maxAge === null ? null : d.counts.series,
      d.maxAge === null ? null : d.counts.fresh,
      d.maxAge === null ? null : d.counts.stale + d.counts.never,
      d.lastTime,
      d.lastSuccessfulRun
        ? `${d.lastSuccessfulRun.pipeline} ${d.lastSuccessfulRun.finishedAt ?? ''}`.trim()
        : null,
    ]),
  );
  const rows = report.datasets.flatMap((d) =>
    d.series.map((s) => [d.dataset, formatSeries(s.series), s.lastTime, s.age, s.status, s.provider]),
  );
  const series =
    rows.length > 0
      ? `\n\n${table(['dataset', 'series', 'last record', 'age', 'status', 'provider'], rows)}`
      : '';
  const cut = report.datasets
    .filter((d) => d.series.length < d.counts.series)
    .map((d) => `${d.dataset}: the ${d.series.length} stalest of ${d.counts.series} series shown (--limit)`);
  return `freshness: ${report.status} at ${report.checkedAt}\n\n${datasets}${series}\n${cut.length > 0 ? `\n${cut.join('\n')}\n` : ''}`;
}

export const freshnessCommand: Command = {
  name: 'freshness',
  summary:
    'Show how recent each dataset and series is: last record, age, fresh/stale. Exit 0; with --check, 1 when not healthy.',
  usage: 'freshness [--dataset name] [--limit N] [--check]',
  options: {
    dataset: { type: 'string', description: 'only this dataset' },
    limit: { type: 'string', description: 'series shown per dataset, stalest first (default 20)' },
    check: {
      type: 'boolean',
      description: 'exit 1 unless every monitored dataset is healthy (for cron and monitoring)',
    },
  },
  async run(args, io) {
    const limit = intOption(args, 'limit', 20, 10_000);
    const dataset = stringOption(args, 'dataset');
    const report = await withSluice(args, io, (sluice) => sluice.app.freshness.report({ limit, dataset }));
    io.stdout(args.json ? json(report) : describeFreshness(report));
    return args.values.check === true && !isHealthy(report.status) ? ExitCode.failure : ExitCode.ok;
  },
};

export const refreshCommand: Command = {
  name: 'refresh',
  summary:
    'Run, in this process, the pipelines feeding the stalest series (stale or never), each pipeline once.',
  usage: 'refresh --stale [--limit N] [--dataset name]',
  options: {
    stale: { type: 'boolean', description: 'refresh what is stale (the only mode for now; required)' },
    limit: { type: 'string', description: 'how many of the stalest series to refresh (default 10)' },
    dataset: { type: 'string', description: 'only series of this dataset' },
  },
  async run(args, io) {
    if (args.values.stale !== true) {
      throw new UsageError('say what to refresh: sluice refresh --stale [--limit N]');
    }
    const limit = intOption(args, 'limit', 10, 1000);
    const dataset = stringOption(args, 'dataset');
    const outcome = await withSluice(args, io, async (sluice) => {
      const { freshness, project } = sluice.app;
      const stale = await freshness.stalest({ limit, dataset });
      const runs: RunReport[] = [];
      const skipped: Array<{ pipeline: string; dataset: string; reason: string }> = [];
      for (const target of refreshTargets(stale, project.config.pipelines.values())) {
        // No queue here: a run already queued or running elsewhere would only be duplicated. A
        // partitioned pipeline needs a partition: that is a backfill's or a trigger's job.
        const active = await freshness.activeRun(target.pipeline);
        const partitioned = project.pipeline(target.pipeline).partitioning !== undefined;
        if (active || partitioned) {
          const reason = active
            ? `pipeline "${target.pipeline}" already has an active run (${active.id}, ${active.status})`
            : `pipeline "${target.pipeline}" is partitioned: run a partition (sluice run --partition / --date) or a backfill`;
          skipped.push({ ...target, reason });
          if (!args.json) io.stdout(`skipped ${target.pipeline}: ${reason}\n`);
          continue;
        }
        const report = await sluice.run(target.pipeline, { trigger: 'freshness:cli' });
        runs.push(report);
        if (!args.json) io.stdout(`${describeRun(report)}\n`);
      }
      const after = await freshness.report({ limit: 1, dataset });
      return { stale, runs, skipped, status: after.status };
    });
    if (args.json) io.stdout(json(outcome));
    else if (outcome.stale.length === 0) io.stdout(`nothing stale: freshness is ${outcome.status}\n`);
    else io.stdout(`freshness now: ${outcome.status}\n`);
    return exitCodeForRuns(outcome.runs);
  },
};

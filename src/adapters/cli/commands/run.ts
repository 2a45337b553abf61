// `sluice run <pipeline>|--all`: collect once, print what the database reported, write a report.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../../../domain/errors.ts';
import { partitionFromOptions } from '../../../domain/partition-run.ts';
import type { RunReport } from '../../../engine/ports.ts';
import type { EveryPipelineResult, NotRun } from '../../../engine/run-every-pipeline.ts';
import type { Command } from '../command.ts';
import { stringOption } from '../command.ts';
import { ExitCode, exitCodeForRun } from '../exit-codes.ts';
import { duration, json, percent, summarizeMessage } from '../format.ts';
import { withSluice } from '../open.ts';

export function describeRun(report: RunReport): string {
  const c = report.counts;
  const partition = report.partitionKey === undefined ? '' : ` [${report.partitionKey}]`;
  const head = `${report.dryRun ? '[dry run] ' : ''}${report.pipeline}${partition} → ${report.dataset}: ${report.status} in ${duration(report.timings.durationMs)}`;
  const lines = [
    head,
    `  fetched ${c.fetched}${c.produced === c.fetched ? '' : `, produced ${c.produced} records`}, valid ${c.valid}, rejected ${c.rejected} (error rate ${percent(report.quality.errorRate)})` +
      (report.filtered > 0 ? `, ${report.filtered} skipped by the transform` : ''),
    `  ${report.dryRun ? 'would insert' : 'inserted'} ${c.inserted}, ${report.dryRun ? 'would update' : 'updated'} ${c.updated}, unchanged ${c.unchanged}` +
      (report.duplicateKeys > 0
        ? `, ${report.duplicateKeys} earlier occurrences of repeated keys not written (the last one wins)`
        : ''),
  ];
  for (const warning of report.warnings ?? []) lines.push(`  warning ${warning.code}: ${warning.message}`);
  if (!report.dryRun && c.inserted === 0 && c.updated === 0 && c.valid > 0) {
    lines.push('  nothing new: every valid record was already stored with the same values');
  }
  for (const issue of report.quality.issues.slice(0, 5)) {
    lines.push(`  rejected ×${issue.count}: ${issue.code}${issue.path ? ` at ${issue.path}` : ''}`);
  }
  if (report.quality.warned > 0) lines.push(`  ${report.quality.warned} stored with warnings`);
  for (const issue of report.quality.warnings.slice(0, 5)) {
    lines.push(`  warned ×${issue.count}: ${issue.code}${issue.path ? ` at ${issue.path}` : ''}`);
  }
  for (const error of report.errors)
    lines.push(`  error [${error.code}]: ${summarizeMessage(error.message)}`);
  if (report.providers) {
    const tried = report.providers.map(
      (p) => `${p.provider} ${p.outcome}${p.asOf ? ` (static values as of ${p.asOf})` : ''}`,
    );
    lines.push(`  providers: ${tried.join(', ')}`);
  }
  lines.push(`  run id ${report.runId}${report.provider ? `, served by ${report.provider}` : ''}`);
  return lines.join('\n');
}

/** The worst exit code of several runs: failure beats partial beats success. */
export function exitCodeForRuns(reports: readonly RunReport[]): number {
  const codes = reports.map((report) => exitCodeForRun(report.status));
  if (codes.includes(ExitCode.failure)) return ExitCode.failure;
  if (codes.includes(ExitCode.partial)) return ExitCode.partial;
  return ExitCode.ok;
}

export const runCommand: Command = {
  name: 'run',
  summary:
    'Run a pipeline once now: fetch, transform, validate and write. Exit 0 succeeded, 1 failed, 3 partial (some records rejected).',
  usage: 'run <pipeline> [--partition <key>] [--date YYYY-MM-DD] | --all [--dry-run] [--report file.json]',
  options: {
    partition: {
      type: 'string',
      description:
        'the partition of a partitioned pipeline (2025-W03|site=annecy); with --date, only its keys (site=annecy)',
    },
    date: {
      type: 'string',
      description: 'run the time partition containing this local date (YYYY-MM-DD)',
    },
    all: {
      type: 'boolean',
      description:
        'run every pipeline of the config, one after the other; a partitioned one runs the partitions its schedule would run now, for every key',
    },
    'dry-run': {
      type: 'boolean',
      description: 'fetch, transform and validate; write nothing, report what would be written',
    },
    report: {
      type: 'string',
      description: 'write the run report (counts, quality, errors, timings) as JSON to this file',
    },
  },
  async run(args, io) {
    const all = args.values.all === true;
    const name = args.positionals[0];
    if (!all && !name) throw new UsageError('name the pipeline to run (sluice run <pipeline>) or pass --all');
    if (all && name) throw new UsageError('pass either a pipeline name or --all, not both');
    const reportPath = stringOption(args, 'report');
    const dryRun = args.values['dry-run'] === true;
    const partitionOption = stringOption(args, 'partition');
    const date = stringOption(args, 'date');
    if (all && (partitionOption !== undefined || date !== undefined)) {
      throw new UsageError('--partition and --date run one pipeline; name it instead of --all');
    }
    const result = await withSluice(args, io, async (sluice): Promise<EveryPipelineResult> => {
      const { pipelines, project } = sluice.app;
      if (all) {
        return pipelines.runEvery({
          dryRun,
          onRun: (report) => !args.json && io.stdout(`${describeRun(report)}\n`),
          onNotRun: (entry) => !args.json && io.stdout(`${describeNotRun(entry)}\n`),
        });
      }
      const pipeline = project.pipeline(name as string);
      const partition = partitionFromOptions(pipeline, { partition: partitionOption, date });
      const report = await pipelines.run(pipeline.name, {
        dryRun,
        ...(partition === undefined ? {} : { partition }),
      });
      if (!args.json) io.stdout(`${describeRun(report)}\n`);
      return { runs: [report], notRun: [] };
    });
    const body = all ? result : result.runs[0];
    if (reportPath) await writeFile(resolve(io.cwd, reportPath), json(body));
    if (args.json) io.stdout(json(body));
    return exitCodeForEvery(result);
  },
};

export function describeNotRun(entry: NotRun): string {
  const partition = entry.partitionKey === undefined ? '' : ` [${entry.partitionKey}]`;
  return `${entry.pipeline}${partition}: not run [${entry.code}]: ${entry.reason}`;
}

/** A pipeline that could not run fails the command like a failed run; the others still count. */
export function exitCodeForEvery(result: EveryPipelineResult): number {
  return result.notRun.length > 0 ? ExitCode.failure : exitCodeForRuns(result.runs);
}

// `sluice start`: the main job — run every pipeline once and show what is stored and where.
import type { EveryPipelineResult } from '../../../engine/run-every-pipeline.ts';
import type { Command } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { json, percent, table } from '../format.ts';
import { withSluice } from '../open.ts';
import { describeNotRun, describeRun, exitCodeForEvery } from './run.ts';
import { describeStatus, statusSummary } from './status.ts';

export const startCommand: Command = {
  name: 'start',
  summary:
    'Run every pipeline of the config once (a partitioned one: the partitions its schedule would run now), then show what is stored, its quality and where it lives.',
  usage: 'start',
  options: {},
  async run(args, io) {
    const result = await withSluice(args, io, async (sluice) => {
      const every = await sluice.app.pipelines.runEvery({
        dryRun: false,
        onRun: (report) => !args.json && io.stdout(`${describeRun(report)}\n\n`),
        onNotRun: (entry) => !args.json && io.stdout(`${describeNotRun(entry)}\n\n`),
      });
      return { ...every, status: await statusSummary(sluice) };
    });
    if (args.json) {
      io.stdout(json({ runs: result.runs, notRun: result.notRun, status: result.status }));
      return startExitCode(result);
    }
    const inserted = result.runs.reduce((sum, run) => sum + run.counts.inserted, 0);
    const updated = result.runs.reduce((sum, run) => sum + run.counts.updated, 0);
    const fetched = result.runs.reduce((sum, run) => sum + run.counts.fetched, 0);
    const rejected = result.runs.reduce((sum, run) => sum + run.counts.rejected, 0);
    const quality = table(
      ['pipeline', 'fetched', 'valid', 'rejected', 'error rate'],
      result.runs.map((run) => [
        run.partitionKey === undefined ? run.pipeline : `${run.pipeline} [${run.partitionKey}]`,
        run.counts.fetched,
        run.counts.valid,
        run.counts.rejected,
        percent(run.quality.errorRate),
      ]),
    );
    io.stdout(`Quality of this run\n${quality}\n\nStored\n${describeStatus(result.status)}\n`);
    io.stdout(
      inserted === 0 && updated === 0
        ? 'This run stored nothing new: every record was already in the database with the same values.\n'
        : `This run inserted ${inserted} and updated ${updated} rows.\n`,
    );
    if (rejected > 0) {
      io.stdout(
        `${rejected} of ${fetched} records were rejected and kept in the quarantine table sluice.quarantine with their reasons.\n`,
      );
    }
    if (result.notRun.length > 0) {
      io.stdout(
        `${result.notRun.length} ${result.notRun.length === 1 ? 'pipeline or partition was' : 'pipelines or partitions were'} not run; their reasons are above.\n`,
      );
    }
    return startExitCode(result);
  },
};

/** Quarantined records are a normal outcome of the main job; only a failed run fails it. */
function startExitCode(result: EveryPipelineResult): number {
  const code = exitCodeForEvery(result);
  return code === ExitCode.partial ? ExitCode.ok : code;
}

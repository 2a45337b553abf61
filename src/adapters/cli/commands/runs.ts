// `sluice runs`: the persisted run history, newest first; `sluice runs <id>`: one run in full;
// `sluice runs cancel <id>`: clear a run by hand.
import { userInfo } from 'node:os';
import { UsageError } from '../../../domain/errors.ts';
import { isRunStatus, RunStatus } from '../../../domain/run-status.ts';
import { type Command, intOption, stringOption } from '../command.ts';
import { duration, json, table } from '../format.ts';
import { withReadOnlyApp, withSluice } from '../open.ts';
import { describeRunDetail } from '../run-detail-view.ts';

export const runsCommand: Command = {
  name: 'runs',
  summary:
    'List recent runs with their status and the counts the database reported; `runs <id>` shows one run in full (an id prefix of 8+ characters will do); `runs cancel <id>` cancels a queued or running run, of any process, and frees its pipeline.',
  usage: 'runs [<run id>] [--pipeline name] [--status status] [--limit N] | runs cancel <run id>',
  options: {
    pipeline: { type: 'string', description: 'only runs of this pipeline' },
    status: {
      type: 'string',
      description: `only runs with this status (${Object.values(RunStatus).join(', ')})`,
    },
    limit: { type: 'string', description: 'how many runs (default 20, at most 1000)' },
  },
  async run(args, io) {
    if (args.positionals[0] === 'cancel') {
      const target = args.positionals[1];
      if (target === undefined || args.positionals.length > 2)
        throw new UsageError('name one run to cancel: sluice runs cancel <run id>');
      const cancelled = await withSluice(args, io, (sluice) =>
        sluice.app.runs.cancel(target, cliPrincipal()),
      );
      io.stdout(
        args.json
          ? json({ cancelled })
          : `run ${cancelled.id} (${cancelled.pipeline}) cancelled; it was ${cancelled.previous}. Pipeline ${cancelled.pipeline} is free again.\n`,
      );
      return 0;
    }
    const id = args.positionals[0];
    if (id !== undefined) {
      if (args.positionals.length > 1) throw new UsageError('name one run: sluice runs <run id>');
      const run = await withReadOnlyApp(args, io, (app) => app.runs.get(id));
      io.stdout(args.json ? json({ run }) : `${describeRunDetail(run)}\n`);
      return 0;
    }
    const status = stringOption(args, 'status');
    if (status !== undefined && !isRunStatus(status)) {
      throw new UsageError(`--status must be one of ${Object.values(RunStatus).join(', ')}, got "${status}"`);
    }
    const limit = intOption(args, 'limit', 20, 1000);
    const pipeline = stringOption(args, 'pipeline');
    const { runs } = await withReadOnlyApp(args, io, async (app) => {
      if (pipeline !== undefined) app.assertPipeline(pipeline);
      return app.runs.list({ pipeline, status, limit });
    });
    if (args.json) {
      io.stdout(json({ runs }));
      return 0;
    }
    if (runs.length === 0) {
      io.stdout('no runs yet: start one with `sluice run <pipeline>`\n');
      return 0;
    }
    const rows = runs.map((run) => [
      run.startedAt ?? run.queuedAt,
      run.pipeline,
      run.partitionKey ?? '-',
      run.status,
      run.fetched,
      run.rejected,
      run.inserted,
      run.updated,
      run.unchanged,
      duration(run.durationMs),
      // The prefix every command takes (`sluice runs <id>`, `--run`); --json prints whole ids.
      run.id.slice(0, 8),
    ]);
    io.stdout(
      `${table(['started', 'pipeline', 'partition', 'status', 'fetched', 'rejected', 'inserted', 'updated', 'unchanged', 'duration', 'run'], rows)}\n`,
    );
    return 0;
  },
};

/** Who cancels from the command line: the OS user, as the run's reason names it. */
function cliPrincipal(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

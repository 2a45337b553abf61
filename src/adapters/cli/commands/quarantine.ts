// `sluice quarantine [replay <run>]`: browse rejected records with their reasons, and replay them.
import { UsageError } from '../../../domain/errors.ts';
import { type Command, intOption, stringOption } from '../command.ts';
import { exitCodeForRun } from '../exit-codes.ts';
import { json, table } from '../format.ts';
import { withSluice } from '../open.ts';
import { describeRun } from './run.ts';

export const quarantineCommand: Command = {
  name: 'quarantine',
  summary:
    'List quarantined records with their reasons, or replay a run’s records after fixing a transform or rule.',
  usage: 'quarantine [--dataset d] [--run id] [--pending] [--limit n] | quarantine replay <run id>',
  options: {
    dataset: { type: 'string', description: 'only records of this dataset' },
    run: { type: 'string', description: 'only records of this run' },
    pending: { type: 'boolean', description: 'only records not replayed yet' },
    limit: { type: 'string', description: 'how many (default 20, at most 1000)' },
  },
  async run(args, io) {
    const [action, target] = args.positionals;
    if (action === 'replay') {
      if (!target)
        throw new UsageError('name the run whose quarantine to replay: sluice quarantine replay <run id>');
      const result = await withSluice(args, io, (sluice) => sluice.app.runs.replay(target));
      if (args.json) io.stdout(json(result));
      else if (!result.report) {
        io.stdout(
          `nothing to replay for run ${result.originalRunId}` +
            (result.notReplayable > 0
              ? ` (${result.notReplayable} records were refused by the reader and cannot be replayed)`
              : '') +
            '\n',
        );
      } else {
        io.stdout(
          `${describeRun(result.report)}\nreplayed ${result.replayed} records of run ${result.originalRunId}` +
            (result.notReplayable > 0
              ? `; ${result.notReplayable} refused by the reader stay in quarantine`
              : '') +
            '\n',
        );
      }
      return result.report ? exitCodeForRun(result.report.status) : 0;
    }
    if (action !== undefined)
      throw new UsageError(`unknown quarantine action "${action}" (use: replay <run id>)`);
    const limit = intOption(args, 'limit', 20, 1000);
    const run = stringOption(args, 'run');
    const { records } = await withSluice(args, io, (sluice) =>
      sluice.app.quarantine.list({
        dataset: stringOption(args, 'dataset'),
        run,
        pending: args.values.pending === true,
        limit,
      }),
    );
    if (args.json) {
      io.stdout(json({ records }));
      return 0;
    }
    if (records.length === 0) {
      io.stdout('the quarantine is empty for this filter\n');
      return 0;
    }
    const where = (origin: (typeof records)[number]['origin']) =>
      [origin.file, origin.sheet, origin.line === undefined ? undefined : `line ${origin.line}`]
        .filter(Boolean)
        .join(' ');
    io.stdout(
      `${table(
        [
          'id',
          'last run',
          'dataset',
          'stage',
          'issues',
          'where',
          'seen',
          'first seen',
          'last seen',
          'replayed',
        ],
        records.map((record) => [
          record.id,
          record.lastRunId.slice(0, 8),
          record.dataset,
          record.stage,
          record.issues
            .map(
              (issue) =>
                `${issue.code}${issue.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue.message}`,
            )
            .join('; '),
          where(record.origin) || record.origin.url || null,
          `${record.occurrences}×`,
          record.createdAt,
          record.lastSeenAt,
          record.replayedAt,
        ]),
      )}\n`,
    );
    return 0;
  },
};

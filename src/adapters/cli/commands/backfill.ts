// `sluice backfill`: start a backfill over a range of partitions and follow it with a progress bar
// (this process works on it until it ends or is detached), list and inspect backfills, and pause,
// resume, cancel or retry them.
import { once } from 'node:events';
import { userInfo } from 'node:os';
import { BackfillAction, type BackfillStatus } from '../../../domain/backfill.ts';
import { UsageError } from '../../../domain/errors.ts';
import { parseKeyFilter } from '../../../domain/partition-set.ts';
import type { SluiceApp } from '../../../engine/app.ts';
import type { BackfillRecord } from '../../../engine/backfills.ts';
import { backfillTable, describeBackfill, progressLine } from '../backfill-view.ts';
import { type Command, type CommandIo, intOption, type ParsedArgs, stringOption } from '../command.ts';
import { ExitCode } from '../exit-codes.ts';
import { json } from '../format.ts';
import { settingsOf, withSluice } from '../open.ts';

const finished: readonly BackfillStatus[] = ['completed', 'failed', 'cancelled'];

function exitCodeFor(backfill: BackfillRecord): number {
  return backfill.status === 'completed' ? ExitCode.ok : ExitCode.failure;
}

/**
 * Works on a backfill in this process (queue, pump and `concurrency` backfill workers) and shows its
 * progress until it ends. SIGINT/SIGTERM detach: running partitions are handed back to the queue
 * and the backfill goes on in serve/worker processes (or the next `sluice backfill watch`).
 */
async function follow(app: SluiceApp, idOrPrefix: string, args: ParsedArgs, io: CommandIo): Promise<number> {
  let backfill = await app.backfills.get(idOrPrefix);
  const id = backfill.id;
  const work = await app.backfills.work(backfill.concurrency);
  const live = process.stderr.isTTY === true && !args.json;
  // Off a terminal, a progress line every few seconds (a log, not an animation).
  const printEveryMs = live ? 250 : settingsOf(io).workers.progressIntervalMs;
  const started = Date.parse(backfill.createdAt);
  // The listeners go when the command ends: a process that follows many backfills (tests, an
  // embedding host) would otherwise gather two per call.
  const listening = new AbortController();
  const signalled = (name: NodeJS.Signals) =>
    once(process, name, { signal: listening.signal }).then(
      () => 'detach' as const,
      () => 'stopped' as const,
    );
  const detach = Promise.race([signalled('SIGINT'), signalled('SIGTERM')]);
  let printedAt = 0;
  let detached = false;
  try {
    while (!finished.includes(backfill.status)) {
      const tick = new Promise<'tick'>((resolve) => setTimeout(resolve, 200, 'tick'));
      if ((await Promise.race([tick, detach])) === 'detach') {
        detached = true;
        break;
      }
      backfill = await app.backfills.get(id);
      const now = Date.now();
      if (args.json || (now - printedAt < printEveryMs && !finished.includes(backfill.status))) continue;
      printedAt = now;
      const line = progressLine(backfill, now - started);
      io.stderr(live ? `\r${line}\u001b[K` : `${line}\n`);
    }
  } finally {
    listening.abort();
    // Partitions still running here are handed back to the queue for another worker.
    await work.stop(detached ? 2000 : 0);
  }
  if (live) io.stderr('\n');
  if (detached) {
    io.stdout(
      args.json
        ? json({ backfill, detached: true })
        : `detached from backfill ${id}: it goes on in sluice serve / sluice worker processes; follow it again with sluice backfill watch ${id}\n`,
    );
    return ExitCode.ok;
  }
  const { partitions } = await app.backfills.detail(id);
  io.stdout(args.json ? json({ backfill, partitions }) : describeBackfill(backfill, partitions));
  return exitCodeFor(backfill);
}

function idArgument(args: ParsedArgs, action: string): string {
  const id = args.positionals[1];
  if (!id)
    throw new UsageError(
      `name the backfill: sluice backfill ${action} <id> (sluice backfill list shows them)`,
    );
  return id;
}

async function create(pipeline: string, args: ParsedArgs, io: CommandIo): Promise<number> {
  return withSluice(args, io, async (sluice) => {
    const keys = stringOption(args, 'keys');
    const backfill = await sluice.app.backfills.request({
      pipeline,
      from: stringOption(args, 'from'),
      to: stringOption(args, 'to'),
      keys: keys === undefined ? [] : parseKeyFilter(keys),
      concurrency: intOption(args, 'concurrency', 10, 1000),
      createdBy: `cli:${userInfo().username}`,
    });
    if (args.values.detach === true) {
      io.stdout(
        args.json
          ? json({ backfill })
          : `backfill ${backfill.id} of ${pipeline}: ${backfill.total} partitions queued; sluice serve / sluice worker run them (follow: sluice backfill watch ${backfill.id})\n`,
      );
      return ExitCode.ok;
    }
    if (!args.json) {
      io.stderr(
        `backfill ${backfill.id} of ${pipeline}: ${backfill.total} partitions, ${backfill.concurrency} at a time (Ctrl-C detaches)\n`,
      );
    }
    return follow(sluice.app, backfill.id, args, io);
  });
}

export const backfillCommand: Command = {
  name: 'backfill',
  summary:
    'Backfill a partitioned pipeline over a range with a progress bar; list, inspect, pause, resume, cancel, retry.',
  usage: [
    'backfill <pipeline> --from YYYY-MM-DD --to YYYY-MM-DD [--keys a,b] [--concurrency 10] [--detach]',
    '       sluice backfill list [--pipeline <name>] | status <id> | watch <id>',
    '       sluice backfill pause <id> | resume <id> | cancel <id> | retry <id> [--partition <key>]',
  ].join('\n'),
  options: {
    from: { type: 'string', description: 'first day (or local time / instant) of the range' },
    to: { type: 'string', description: 'last day of the range, inclusive' },
    keys: { type: 'string', description: 'only these keys: a,b or site=a,variable=temp' },
    concurrency: { type: 'string', description: 'partitions of this backfill running at once (default 10)' },
    detach: { type: 'boolean', description: 'create it and return; serve/worker processes run it' },
    partition: { type: 'string', description: 'retry: only this partition (e.g. 2025-W03|site=annecy)' },
    pipeline: { type: 'string', description: 'list: only this pipeline' },
  },
  async run(args, io) {
    const [first] = args.positionals;
    if (first === undefined) {
      throw new UsageError('name the pipeline to backfill, or an action: sluice backfill --help');
    }
    switch (first) {
      case 'list': {
        const backfills = await withSluice(args, io, (sluice) =>
          sluice.app.backfills.list({ pipeline: stringOption(args, 'pipeline'), limit: 100 }),
        );
        io.stdout(args.json ? json({ backfills }) : backfillTable(backfills));
        return ExitCode.ok;
      }
      case 'status': {
        const id = idArgument(args, 'status');
        return withSluice(args, io, async (sluice) => {
          const { backfill, partitions } = await sluice.app.backfills.detail(id);
          io.stdout(args.json ? json({ backfill, partitions }) : describeBackfill(backfill, partitions));
          return ExitCode.ok;
        });
      }
      case 'watch': {
        const id = idArgument(args, 'watch');
        return withSluice(args, io, (sluice) => follow(sluice.app, id, args, io));
      }
      case 'pause':
      case 'resume':
      case 'cancel':
      case 'retry': {
        const id = idArgument(args, first);
        const partition = stringOption(args, 'partition');
        const backfill = await withSluice(args, io, (sluice) =>
          first === 'retry' && partition !== undefined
            ? sluice.app.backfills.retryPartition(id, partition)
            : sluice.app.backfills.apply(id, first === 'retry' ? BackfillAction.retryFailed : first),
        );
        io.stdout(
          args.json
            ? json({ backfill })
            : `backfill ${backfill.id}: ${backfill.status} (${backfill.counts.pending} pending, ${backfill.counts.running} running, ${backfill.counts.failed} failed)\n`,
        );
        return ExitCode.ok;
      }
      default:
        return create(first, args, io);
    }
  },
};

// `sluice schedule` lists scheduled pipelines with their next run times; `sluice trigger` queues a run.
import { UsageError } from '../../../domain/errors.ts';
import { partitionFromOptions } from '../../../domain/partition-run.ts';
import { formatLocalTime } from '../../../domain/schedule-ticks.ts';
import { type Command, intOption, stringOption } from '../command.ts';
import { json, table } from '../format.ts';
import { withSluice } from '../open.ts';

export const scheduleCommand: Command = {
  name: 'schedule',
  summary: 'List every scheduled pipeline with its cron, time zone, next run times and last tick.',
  usage: 'schedule [--next N]',
  options: { next: { type: 'string', description: 'how many next run times (default 3)' } },
  async run(args, io) {
    const count = intOption(args, 'next', 3, 50);
    const jobs = await withSluice(args, io, (sluice) => sluice.app.schedule.jobs({ count }));
    if (args.json) io.stdout(json({ jobs }));
    else if (jobs.length === 0)
      io.stdout('no pipeline has a schedule: add schedule: { cron: "0 6 * * *" } to one\n');
    else {
      io.stdout(
        `${table(
          ['pipeline', 'cron', 'zone', 'misfire', 'next runs', 'last tick'],
          jobs.map((job) => [
            job.pipeline,
            `${job.cron.join(' | ')}${job.origin === 'env' ? ' (env)' : ''}`,
            job.timezone,
            job.misfire,
            // Shown in the schedule's zone with its offset; --json keeps the UTC instants.
            job.nextRuns.map((at) => formatLocalTime(new Date(at), job.timezone)).join(', '),
            job.lastTick
              ? `${formatLocalTime(new Date(job.lastTick.scheduledAt), job.timezone)} ${job.lastTick.outcome}`
              : null,
          ]),
        )}\n`,
      );
    }
    return 0;
  },
};

export const triggerCommand: Command = {
  name: 'trigger',
  summary:
    'Queue a run of a pipeline for the workers and print its run id (needs the queue: `serve` or `worker` runs it).',
  usage: 'trigger <pipeline> [--partition <key>] [--date YYYY-MM-DD]',
  options: {
    partition: {
      type: 'string',
      description: 'the partition of a partitioned pipeline (2025-W03|site=annecy)',
    },
    date: { type: 'string', description: 'the time partition containing this local date (YYYY-MM-DD)' },
  },
  async run(args, io) {
    const name = args.positionals[0];
    if (!name) throw new UsageError('name the pipeline to trigger: sluice trigger <pipeline>');
    const runId = await withSluice(args, io, async (sluice) => {
      const { pipelines, project } = sluice.app;
      const queue = await pipelines.openQueue();
      try {
        const partition = partitionFromOptions(project.pipeline(name), {
          partition: stringOption(args, 'partition'),
          date: stringOption(args, 'date'),
        });
        return await pipelines.dispatcher(queue).trigger(name, 'cli', partition);
      } finally {
        await queue.stop({ graceful: false, timeoutMs: 1000 });
      }
    });
    io.stdout(args.json ? json({ runId, status: 'queued' }) : `queued run ${runId}\n`);
    return 0;
  },
};

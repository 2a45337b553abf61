// The sweep loop: runs the sweep (engine/run-sweep.ts) against the queue every interval.
import type { SluiceApp } from '../../engine/app.ts';
import type { Logger } from '../../engine/ports.ts';
import type { RunJobs } from '../../engine/run-jobs.ts';
import { type LoopTimer, startLoop } from '../loop.ts';

export interface RunSweeper {
  sweep(): Promise<string[]>;
  stop(): void;
}

/** Runs queued for longer than `graceSeconds` are checked; a missing job is sent again. */
export function startRunSweeper(
  app: SluiceApp,
  queue: RunJobs,
  options: { intervalMs: number; graceSeconds: number; logger?: Logger; timer?: LoopTimer },
): RunSweeper {
  const sweep = () => app.pipelines.sweep(queue, options.graceSeconds);
  const loop = startLoop({
    name: 'sweep',
    everyMs: options.intervalMs,
    run: sweep,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.timer ? { timer: options.timer } : {}),
  });
  return {
    sweep,
    stop: () => {
      void loop.stop();
    },
  };
}

// The scheduler loop: evaluates every schedule (engine/schedule-ticks-fire.ts) each interval, at
// the injected clock's time, and sends fired runs to the queue.
import type { SluiceApp } from '../../engine/app.ts';
import type { Clock, Logger } from '../../engine/ports.ts';
import type { RunJobs } from '../../engine/run-jobs.ts';
import type { TickOutcome } from '../../engine/schedule-ticks-fire.ts';
import { type LoopTimer, startLoop } from '../loop.ts';

export type { TickOutcome } from '../../engine/schedule-ticks-fire.ts';

export interface Scheduler {
  /** One evaluation of every schedule; returns what it recorded (fired ticks are queued after commit). */
  evaluate(): Promise<TickOutcome[]>;
  stop(): Promise<void>;
}

export function startScheduler(
  app: SluiceApp,
  queue: RunJobs,
  options: { clock: Clock; intervalMs: number; logger?: Logger; timer?: LoopTimer },
): Scheduler {
  const evaluate = () => app.schedule.evaluate(queue, options.clock.now());
  const loop = startLoop({
    name: 'schedule evaluation',
    everyMs: options.intervalMs,
    run: evaluate,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.timer ? { timer: options.timer } : {}),
  });
  return { evaluate, stop: () => loop.stop() };
}

// Every background loop of a process: one timer, one overlap guard, errors logged and published.
import type { Logger } from '../engine/ports.ts';

/** What ticks a loop; tests pass a manual one to drive ticks without waiting. */
export interface LoopTimer {
  /** Calls `tick` every `ms` until the returned function is called. */
  every(ms: number, tick: () => void): () => void;
  /** Calls `tick` once after `ms` unless the returned function is called first. */
  after(ms: number, tick: () => void): () => void;
}

/** Node's timers, unref'd: a background loop never keeps a process alive by itself. */
export const realTimer: LoopTimer = {
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
  after(ms, tick) {
    const timer = setTimeout(tick, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export interface LoopOptions {
  /** Names the loop in its error log line: `<name> failed`. */
  name: string;
  /** Milliseconds between timer ticks. */
  everyMs: number;
  /** One tick; what it throws is logged and passed to `onError`, never thrown out of the loop. */
  run: () => Promise<unknown>;
  logger?: Logger;
  /** @defaultValue 'error' */
  level?: 'warn' | 'error';
  onError?: (error: unknown) => void;
  /** One extra tick this long after start, besides the interval's; 0 runs it at once. */
  firstAfterMs?: number;
  /** @defaultValue realTimer */
  timer?: LoopTimer;
}

export interface Loop {
  /**
   * Asks for a tick: at once when idle, else exactly one more after the running one (wakes while
   * that one waits share it). Resolves when a tick begun after the call has finished; never rejects.
   * Honoured after stop() too: stop() ends the timer, not explicit requests.
   */
  wake(): Promise<void>;
  /** Ends the timer ticks; resolves when the running tick, and the one asked for behind it, are done. */
  stop(): Promise<void>;
}

export function startLoop(options: LoopOptions): Loop {
  const timer = options.timer ?? realTimer;
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  let stopped = false;

  const runOnce = async () => {
    try {
      await options.run();
    } catch (error) {
      options.logger?.[options.level ?? 'error'](
        { loop: options.name, err: error },
        `${options.name} failed`,
      );
      try {
        options.onError?.(error);
      } catch {
        // A failing error callback must not end the loop either.
      }
    }
  };
  const begin = (): Promise<void> => {
    const tick: Promise<void> = runOnce().finally(() => {
      if (running === tick) running = undefined;
    });
    running = tick;
    return tick;
  };
  const wake = (): Promise<void> => {
    if (queued) return queued;
    if (!running) return begin();
    queued = running.then(() => {
      queued = undefined;
      return begin();
    });
    return queued;
  };
  // A timer tick while one runs is skipped: the next timer tick comes soon enough.
  const onTimer = () => {
    if (!stopped && !running && !queued) void wake();
  };

  const cancels = [timer.every(options.everyMs, onTimer)];
  if (options.firstAfterMs === 0) void wake();
  else if (options.firstAfterMs !== undefined) cancels.push(timer.after(options.firstAfterMs, onTimer));

  return {
    wake,
    async stop() {
      stopped = true;
      for (const cancel of cancels) cancel();
      await (queued ?? running);
    },
  };
}

// A clock tests move by hand, for code that takes the engine's Clock port: time passes only when
// the test says so, so a test about an interval never waits for it.
import type { Clock } from '../../src/engine/ports.ts';

export interface FakeClock extends Clock {
  /** Moves the clock to `at`. */
  set(at: Date | string | number): Date;
  /** Moves the clock forward by `ms` and returns the new time. */
  advance(ms: number): Date;
}

/** @param start @defaultValue 2025-01-06T00:00:00Z, a Monday */
export function fakeClock(start: Date | string | number = '2025-01-06T00:00:00Z'): FakeClock {
  let current = new Date(start).getTime();
  if (Number.isNaN(current)) throw new Error(`fakeClock: not a time: ${String(start)}`);
  return {
    now: () => new Date(current),
    set(at) {
      current = new Date(at).getTime();
      return new Date(current);
    },
    advance(ms) {
      current += ms;
      return new Date(current);
    },
  };
}

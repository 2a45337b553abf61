// What one process keeps per provider beside the shared store: retry budgets, a local slot queue, abortable waits.
import { setTimeout as delay } from 'node:timers/promises';
import { RetryBudget } from '../../domain/backoff.ts';
import { ErrorCode, SourceError } from '../../domain/errors.ts';
import type { ResolvedRetry } from '../../domain/resilience-policy.ts';

/** Waits `ms`, or fails as cancelled when the run is. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    if (signal.aborted)
      throw new SourceError(ErrorCode.cancelled, 'cancelled while waiting', { retryable: false });
    throw error;
  }
}

/** A first-come first-served counting semaphore; waiters leave the queue when their run is cancelled. */
export class Semaphore {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.#free = limit;
  }

  async acquire(signal: AbortSignal): Promise<() => void> {
    if (this.#free > 0) {
      this.#free--;
      return this.#releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', abort);
        resolve();
      };
      const abort = () => {
        const index = this.#waiting.indexOf(wake);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(
          new SourceError(ErrorCode.cancelled, 'cancelled while waiting for a slot', { retryable: false }),
        );
      };
      if (signal.aborted) return abort();
      signal.addEventListener('abort', abort, { once: true });
      this.#waiting.push(wake);
    });
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next waiter, so a newcomer cannot overtake the queue.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

export interface ProcessLimits {
  budget(provider: string, retry: ResolvedRetry): RetryBudget;
  semaphore(provider: string, limit: number): Semaphore;
}

/** One per process (the composition root makes it), so every run of a provider shares them. */
export function createProcessLimits(): ProcessLimits {
  const budgets = new Map<string, RetryBudget>();
  const semaphores = new Map<string, { limit: number; semaphore: Semaphore }>();
  return {
    budget(provider, retry) {
      let budget = budgets.get(provider);
      if (!budget) {
        budget = new RetryBudget(retry);
        budgets.set(provider, budget);
      }
      return budget;
    },
    semaphore(provider, limit) {
      let entry = semaphores.get(provider);
      // A changed limit (a reloaded config) starts a new queue; calls holding old slots finish on it.
      if (!entry || entry.limit !== limit) {
        entry = { limit, semaphore: new Semaphore(limit) };
        semaphores.set(provider, entry);
      }
      return entry.semaphore;
    },
  };
}

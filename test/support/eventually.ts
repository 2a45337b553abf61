// Waiting for a condition that publishes no event: one poll loop for every suite, with a deadline
// that names what never happened.
import { setTimeout as delay } from 'node:timers/promises';

export interface EventuallyOptions {
  /** @defaultValue 10_000 */
  timeoutMs?: number;
  /** @defaultValue 50 */
  intervalMs?: number;
}

/**
 * Calls `probe` until it returns a value other than undefined or false, and returns that value.
 * A probe that throws is retried too (the last error is the failure's cause), so assertions can
 * sit inside it. Past the deadline it throws, naming `what`.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${options.timeoutMs ?? 10_000} ms waiting for ${what}`, {
        cause: lastError,
      });
    }
    await delay(options.intervalMs ?? 50);
  }
}

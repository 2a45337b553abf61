// Posts alerts to SLUICE_ALERT_WEBHOOK_URL from an in-process queue: timeout, retries with backoff, never blocking.
import { errorMessage } from '../../domain/errors.ts';
import type { Logger } from '../../engine/ports.ts';

export interface AlertWebhookOptions {
  url: string;
  logger: Logger;
  /** Tries per alert, the first included. @defaultValue 3 */
  attempts?: number;
  /** Wait before the first retry; it doubles for each further one. @defaultValue 1000 ms */
  backoffMs?: number;
  /** Per attempt. @defaultValue 5000 ms */
  timeoutMs?: number;
  /** Alerts waiting beyond this many are dropped (with a warning) so a dead endpoint cannot grow memory. @defaultValue 1000 */
  maxQueue?: number;
}

const defaults = {
  attempts: 3,
  backoffMs: 1000,
  timeoutMs: 5000,
  maxQueue: 1000,
} satisfies Partial<AlertWebhookOptions>;

export interface AlertWebhook {
  /** Queues one POST of `body` as JSON and returns at once; failures are logged, never thrown. */
  send(body: object): void;
  /** Resolves once every queued alert was delivered or given up on, or after `timeoutMs`. */
  drain(timeoutMs?: number): Promise<void>;
  /** Waits up to `graceMs` for the queue, then abandons what is left. */
  close(graceMs?: number): Promise<void>;
}

/** Statuses worth another try: the endpoint may answer differently later. Other 4xx are final. */
function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export function createAlertWebhook(options: AlertWebhookOptions): AlertWebhook {
  const settings = { ...defaults, ...options };
  // Webhook URLs often carry their secret in the path (Slack, Teams): logs name the host only.
  const target = (() => {
    try {
      return new URL(settings.url).host;
    } catch {
      return '(invalid url)';
    }
  })();
  const logger = settings.logger.child({ stage: 'alert-webhook', target });
  const queue: object[] = [];
  const closing = new AbortController();
  let pump: Promise<void> | undefined;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      closing.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });

  const deliver = async (body: object): Promise<void> => {
    const text = JSON.stringify(body);
    for (let attempt = 1; attempt <= settings.attempts && !closing.signal.aborted; attempt++) {
      let reason: string;
      let final = false;
      try {
        const response = await fetch(settings.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'sluice-alerts' },
          body: text,
          signal: AbortSignal.any([AbortSignal.timeout(settings.timeoutMs), closing.signal]),
        });
        await response.arrayBuffer().catch(() => {});
        if (response.ok) return;
        reason = `HTTP ${response.status}`;
        final = !retryable(response.status);
      } catch (error) {
        reason = errorMessage(error);
      }
      if (final || attempt === settings.attempts) {
        logger.error({ attempt, reason }, `alert webhook failed, alert dropped: ${reason}`);
        return;
      }
      const delay = settings.backoffMs * 2 ** (attempt - 1);
      logger.warn({ attempt, reason, retryInMs: delay }, `alert webhook failed (${reason}); retrying`);
      await wait(delay);
    }
  };

  const run = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      // deliver never throws out; the catch is for a bug, so one alert cannot stop the queue.
      await deliver(next).catch((error: unknown) => logger.error({ err: error }, 'alert delivery crashed'));
    }
    pump = undefined;
  };

  const drain = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (pump && Date.now() < deadline) {
      await Promise.race([pump, new Promise((resolve) => setTimeout(resolve, 50))]);
    }
  };

  return {
    send(body) {
      if (closing.signal.aborted) return;
      if (queue.length >= settings.maxQueue) {
        logger.warn({ queued: queue.length }, 'alert webhook queue full; alert dropped');
        return;
      }
      queue.push(body);
      pump ??= run();
    },
    drain,
    async close(graceMs = 2000) {
      await drain(graceMs);
      closing.abort();
      queue.length = 0;
      await pump;
    },
  };
}

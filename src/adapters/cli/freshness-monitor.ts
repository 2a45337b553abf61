// The freshness loop of serve/worker: the engine's monitor pass on the shared loop with the
// injected clock, and each transition that carries an event posted to the alert webhook.
import type { SluiceApp } from '../../engine/app.ts';
import { type FreshnessTransition, freshnessEventPayload } from '../../engine/freshness-monitor.ts';
import type { Clock, Logger } from '../../engine/ports.ts';
import type { Settings } from '../config/settings.ts';
import { type AlertWebhook, type AlertWebhookOptions, createAlertWebhook } from '../http/alert-webhook.ts';
import { startLoop } from '../loop.ts';

export interface FreshnessMonitor {
  /** One pass over every monitored dataset; returns the transitions this process recorded. */
  check(): Promise<FreshnessTransition[]>;
  /** Waits until the webhook posts queued so far were delivered or given up on, at most `timeoutMs`. */
  flushAlerts(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface FreshnessMonitorOptions {
  clock: Clock;
  intervalMs: number;
  /** Where transitions are posted; none without SLUICE_ALERT_WEBHOOK_URL. */
  webhook?: Omit<AlertWebhookOptions, 'logger'>;
}

/** SLUICE_FRESHNESS_INTERVAL_S (default 30) and SLUICE_ALERT_WEBHOOK_URL, checked at start-up by the settings. */
export function freshnessMonitorSettings(settings: Settings): Omit<FreshnessMonitorOptions, 'clock'> {
  const { intervalMs, alertWebhookUrl: url } = settings.freshness;
  return { intervalMs, ...(url ? { webhook: { url } } : {}) };
}

export function startFreshnessMonitor(
  sluice: { app: SluiceApp; logger: Logger },
  options: FreshnessMonitorOptions,
): FreshnessMonitor {
  const logger = sluice.logger.child({ stage: 'freshness' });
  const webhook: AlertWebhook | undefined = options.webhook
    ? createAlertWebhook({ ...options.webhook, logger })
    : undefined;

  const check = async (): Promise<FreshnessTransition[]> => {
    const now = options.clock.now();
    const transitions = await sluice.app.freshness.check(now);
    if (webhook) {
      for (const transition of transitions) {
        if (transition.event)
          webhook.send({ type: transition.event, ...freshnessEventPayload(transition, now.toISOString()) });
      }
    }
    return transitions;
  };

  const loop = startLoop({ name: 'freshness check', everyMs: options.intervalMs, logger, run: check });
  return {
    check,
    flushAlerts: async (timeoutMs) => webhook?.drain(timeoutMs),
    async stop() {
      await loop.stop();
      await webhook?.close();
    },
  };
}

// The freshness loop of serve/worker: records status changes per series once (compare-and-set in SQL),
// publishes freshness events and posts them to the alert webhook.
import { errorMessage } from '../../domain/errors.ts';
import {
  type FreshnessEvent,
  type FreshnessEventPayload,
  formatAge,
  formatSeries,
  freshnessCutoff,
  type SeriesStatus,
  transitionEvent,
} from '../../domain/freshness.ts';
import type { Clock } from '../../engine/ports.ts';
import type { Sluice } from '../../main.ts';
import type { Settings } from '../config/settings.ts';
import { type AlertWebhook, type AlertWebhookOptions, createAlertWebhook } from '../http/alert-webhook.ts';
import { startLoop } from '../loop.ts';
import { ensureFreshnessSummary } from '../postgres/freshness-summary.ts';

export interface FreshnessTransition {
  dataset: string;
  series: Record<string, unknown>;
  /** What the monitor reported before; 'never' for a series it had not assessed yet. */
  previous: SeriesStatus;
  status: 'fresh' | 'stale';
  lastTime: string;
  ageMs: number;
  maxAge: string;
  provider: string | null;
  /** The event it published; undefined for changes that alert nobody (never → stale). */
  event: FreshnessEvent | undefined;
}

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

interface ChangedRow {
  series: Record<string, unknown>;
  last_time: Date;
  provider: string | null;
  previous: SeriesStatus | null;
  status: 'fresh' | 'stale';
}

/**
 * Sets the status of every series whose status changed at `now`. Rows are locked in series order
 * with SKIP LOCKED: a row another monitor or a batch write holds is left for the next pass, so
 * two processes never both record (and report) one transition and the loop never waits on writes.
 */
const UPDATE_STATUS = `
  WITH candidates AS (
    SELECT dataset, series, status AS previous FROM sluice.freshness_series
     WHERE dataset = $1
       AND ((last_time < $2 AND status IS DISTINCT FROM 'stale') OR (last_time >= $2 AND status IS DISTINCT FROM 'fresh'))
     ORDER BY series FOR UPDATE SKIP LOCKED
  )
  UPDATE sluice.freshness_series AS f
     SET status = CASE WHEN f.last_time < $2 THEN 'stale' ELSE 'fresh' END, status_changed_at = $3
    FROM candidates AS c
   WHERE f.dataset = c.dataset AND f.series = c.series
     AND (CASE WHEN f.last_time < $2 THEN 'stale' ELSE 'fresh' END) IS DISTINCT FROM f.status
  RETURNING f.series, f.last_time, f.provider, c.previous, f.status`;

export function startFreshnessMonitor(
  sluice: Pick<Sluice, 'db' | 'schema' | 'config' | 'logger'>,
  options: FreshnessMonitorOptions,
): FreshnessMonitor {
  const logger = sluice.logger.child({ stage: 'freshness' });
  const webhook: AlertWebhook | undefined = options.webhook
    ? createAlertWebhook({ ...options.webhook, logger })
    : undefined;
  const monitored = [...sluice.config.datasets.values()].filter((dataset) => dataset.freshness);

  const check = async (): Promise<FreshnessTransition[]> => {
    if (monitored.length === 0) return [];
    await ensureFreshnessSummary(sluice.db, sluice.schema, monitored);
    const now = options.clock.now();
    const at = now.toISOString();
    const all: FreshnessTransition[] = [];
    for (const dataset of monitored) {
      const rule = dataset.freshness!;
      try {
        // The status change and its events commit together: an event exists exactly when its change does.
        const transitions = await sluice.db.transaction(async (tx) => {
          const { rows } = await tx.query<ChangedRow>(UPDATE_STATUS, [
            dataset.name,
            freshnessCutoff(now, rule.maxAgeMs).toISOString(),
            at,
          ]);
          const changed = rows.map(
            (row): FreshnessTransition => ({
              dataset: dataset.name,
              series: row.series,
              previous: row.previous ?? 'never',
              status: row.status,
              lastTime: row.last_time.toISOString(),
              ageMs: now.getTime() - row.last_time.getTime(),
              maxAge: rule.maxAge,
              provider: row.provider,
              event: transitionEvent(row.previous, row.status),
            }),
          );
          const events = changed
            .filter((transition) => transition.event !== undefined)
            .map((transition) => ({ type: transition.event, payload: eventPayload(transition, at) }));
          if (events.length > 0) {
            // publish_event (0004_events.sql) inserts the row and NOTIFYs its id, like the run triggers.
            await tx.query(
              `SELECT sluice.publish_event(e->>'type', e->'payload') FROM jsonb_array_elements($1::jsonb) AS e`,
              [JSON.stringify(events)],
            );
          }
          return changed;
        });
        for (const transition of transitions) report(transition, at);
        all.push(...transitions);
      } catch (error) {
        // A failed pass never stops the loop: the next pass finds the same changes still unrecorded.
        logger.error({ dataset: dataset.name, err: error }, `freshness check failed: ${errorMessage(error)}`);
      }
    }
    return all;
  };

  const report = (transition: FreshnessTransition, at: string) => {
    const what = `${transition.dataset} ${formatSeries(transition.series)}`;
    const detail = { dataset: transition.dataset, series: transition.series, lastTime: transition.lastTime };
    const line = `freshness: ${what} is ${transition.status} (was ${transition.previous}; last record ${transition.lastTime}, ${formatAge(transition.ageMs)} old, maxAge ${transition.maxAge})`;
    if (transition.status === 'stale') logger.warn(detail, line);
    else logger.info(detail, line);
    if (webhook && transition.event)
      webhook.send({ type: transition.event, ...eventPayload(transition, at) });
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

/** The event payload and, with `type`, the webhook body. */
function eventPayload(transition: FreshnessTransition, at: string): FreshnessEventPayload {
  return {
    dataset: transition.dataset,
    series: transition.series,
    status: transition.status,
    previous: transition.previous,
    lastTime: transition.lastTime,
    age: formatAge(transition.ageMs),
    ageMs: transition.ageMs,
    maxAge: transition.maxAge,
    provider: transition.provider,
    at,
  };
}

// The freshness monitor's pass: records each series' status change once (the store compares and
// sets), publishes a freshness event with it, and logs it; serve/worker run it on a loop.
import type { DatasetDefinition } from '../domain/dataset-definition.ts';
import { errorMessage } from '../domain/errors.ts';
import {
  type FreshnessEvent,
  type FreshnessEventPayload,
  formatAge,
  formatSeries,
  freshnessCutoff,
  type SeriesStatus,
  transitionEvent,
} from '../domain/freshness.ts';
import type { Logger } from './ports.ts';

/** A series whose status the store changed. */
export interface SeriesStatusChange {
  series: Record<string, unknown>;
  lastTime: Date;
  provider: string | null;
  /** Null for a series the monitor had not assessed yet. */
  previous: SeriesStatus | null;
  status: 'fresh' | 'stale';
}

export interface FreshnessEventRecord {
  type: FreshnessEvent;
  payload: FreshnessEventPayload;
}

export interface FreshnessStatusStore {
  /** Rebuilds the summary of each monitored dataset that has none yet (once per process). */
  ensureSummary(datasets: readonly DatasetDefinition[]): Promise<void>;
  /**
   * Sets the status of every series of `dataset` whose status changed at `at` (stale when its
   * last record is before `cutoff`), and publishes the events `eventsOf` makes of those changes
   * in the same transaction: an event exists exactly when its change does. Series another process
   * holds are left for the next pass, so no two processes record one change.
   */
  recordStatusChanges(
    change: { dataset: string; cutoff: Date; at: Date },
    eventsOf: (changes: readonly SeriesStatusChange[]) => FreshnessEventRecord[],
  ): Promise<SeriesStatusChange[]>;
}

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

export interface FreshnessMonitorPorts {
  store: FreshnessStatusStore;
  datasets: readonly DatasetDefinition[];
  logger: Logger;
}

export interface FreshnessMonitor {
  /** One pass over every monitored dataset at `now`; a dataset that fails is logged and skipped. */
  check(now: Date): Promise<FreshnessTransition[]>;
}

/** The event payload and, with `type`, the alert webhook's body. */
export function freshnessEventPayload(transition: FreshnessTransition, at: string): FreshnessEventPayload {
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

export function createFreshnessMonitor(ports: FreshnessMonitorPorts): FreshnessMonitor {
  const logger = ports.logger;
  const monitored = ports.datasets.filter((dataset) => dataset.freshness);

  const report = (transition: FreshnessTransition) => {
    const what = `${transition.dataset} ${formatSeries(transition.series)}`;
    const detail = { dataset: transition.dataset, series: transition.series, lastTime: transition.lastTime };
    const line = `freshness: ${what} is ${transition.status} (was ${transition.previous}; last record ${transition.lastTime}, ${formatAge(transition.ageMs)} old, maxAge ${transition.maxAge})`;
    if (transition.status === 'stale') logger.warn(detail, line);
    else logger.info(detail, line);
  };

  return {
    async check(now) {
      if (monitored.length === 0) return [];
      await ports.store.ensureSummary(monitored);
      const at = now.toISOString();
      const all: FreshnessTransition[] = [];
      for (const dataset of monitored) {
        const rule = dataset.freshness!;
        const transitionOf = (change: SeriesStatusChange): FreshnessTransition => ({
          dataset: dataset.name,
          series: change.series,
          previous: change.previous ?? 'never',
          status: change.status,
          lastTime: change.lastTime.toISOString(),
          ageMs: now.getTime() - change.lastTime.getTime(),
          maxAge: rule.maxAge,
          provider: change.provider,
          event: transitionEvent(change.previous, change.status),
        });
        try {
          const changes = await ports.store.recordStatusChanges(
            { dataset: dataset.name, cutoff: freshnessCutoff(now, rule.maxAgeMs), at: now },
            (recorded) =>
              recorded
                .map(transitionOf)
                .flatMap((transition) =>
                  transition.event === undefined
                    ? []
                    : [{ type: transition.event, payload: freshnessEventPayload(transition, at) }],
                ),
          );
          const transitions = changes.map(transitionOf);
          for (const transition of transitions) report(transition);
          all.push(...transitions);
        } catch (error) {
          // A failed pass never stops the loop: the next pass finds the same changes still unrecorded.
          logger.error(
            { dataset: dataset.name, err: error },
            `freshness check failed: ${errorMessage(error)}`,
          );
        }
      }
      return all;
    },
  };
}

// The run history as routes and commands read it, and what an operator does to one run: cancel it
// by hand, replay its quarantine.
import type { RunStatus } from '../domain/run-status.ts';
import type { Logger } from './ports.ts';
import type { ReplayRun } from './replay-run.ts';
import type { RunDetail, RunRecord } from './run-record.ts';

export type { RunDetail, RunRecord } from './run-record.ts';

/** Where a page of runs ends: the next page starts after this run (keyset on queued_at, id). */
export interface RunCursor {
  queuedAt: string;
  id: string;
}

export interface RunFilter {
  pipeline?: string;
  status?: RunStatus;
  /** Runs queued at or after. */
  from?: Date;
  /** Runs queued before. */
  to?: Date;
  /** Continue after this run (keyset pagination on queued_at, id). */
  after?: RunCursor;
  limit: number;
}

export interface RunPage {
  /** Newest first, at most the filter's limit. */
  runs: RunRecord[];
  /** Where the next page starts; null on the last page. */
  next: RunCursor | null;
}

export interface CancelledRun {
  id: string;
  pipeline: string;
  /** The status it had: queued or running. */
  previous: string;
  /** `cancelled by <principal>`, as the run's error says. */
  reason: string;
}

/** The stored runs, by filter or by id. */
export interface RunQueries {
  list(filter: RunFilter): Promise<RunRecord[]>;
  /** One run by its full id or a unique prefix; a NotFoundError otherwise. */
  get(idOrPrefix: string): Promise<RunDetail>;
  /** The full id of a run: a full UUID as is, else a unique prefix of 8+ hex characters. */
  resolveId(text: string): Promise<string>;
}

export interface RunsPorts {
  store: RunQueries;
  /**
   * Cancels a queued or running run of any process and recounts what it wrote, in one operation;
   * a finished run is a ConflictError.
   */
  cancel(idOrPrefix: string, principal: string): Promise<CancelledRun>;
  replay: ReplayRun;
  logger: Logger;
}

export interface Runs {
  list(filter: RunFilter): Promise<RunPage>;
  get(idOrPrefix: string): Promise<RunDetail>;
  /** The full id of the run `text` names (a full UUID, or a unique prefix of 8+ hex characters). */
  resolveId(text: string): Promise<string>;
  /** Cancels a queued or running run of any process (`cancelled by <principal>`); a finished one is a ConflictError. */
  cancel(idOrPrefix: string, principal: string): Promise<CancelledRun>;
  /**
   * Re-validates the quarantined records of a run with today's transform, schema and rules, and
   * writes those that pass, in a new run (`replay:<run id>`).
   */
  replay: ReplayRun;
}

export function createRuns(ports: RunsPorts): Runs {
  return {
    async list(filter) {
      // One more than asked tells whether another page follows.
      const runs = await ports.store.list({ ...filter, limit: filter.limit + 1 });
      const page = runs.slice(0, filter.limit);
      const last = page.at(-1);
      return {
        runs: page,
        next: runs.length > filter.limit && last ? { queuedAt: last.queuedAt, id: last.id } : null,
      };
    },
    get: (idOrPrefix) => ports.store.get(idOrPrefix),
    resolveId: (text) => ports.store.resolveId(text),
    async cancel(idOrPrefix, principal) {
      const cancelled = await ports.cancel(idOrPrefix, principal);
      ports.logger.warn({ runId: cancelled.id, pipeline: cancelled.pipeline }, cancelled.reason);
      return cancelled;
    },
    replay: (runId) => ports.replay(runId),
  };
}

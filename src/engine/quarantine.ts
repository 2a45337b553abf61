// The quarantine as routes and commands browse it: every rejected record with its reason.
import type { RejectedRecord } from './ports.ts';

export interface QuarantinedRecord {
  id: number;
  runId: string;
  pipeline: string;
  dataset: string;
  stage: RejectedRecord['stage'];
  /** The source item exactly as received. */
  raw: unknown;
  /** The transform output validation refused (validate and rule stages). */
  record: unknown;
  /** Which of the transform's outputs `record` is, when it returned a list. */
  outputIndex: number | null;
  /** False for rows stored before raw items were kept: `raw` is then the transform's output. */
  rawKept: boolean;
  issues: RejectedRecord['issues'];
  origin: RejectedRecord['origin'];
  /** How many times it was quarantined. */
  occurrences: number;
  /** When it was first quarantined. */
  createdAt: string;
  lastSeenAt: string;
  lastRunId: string;
  replayedAt: string | null;
  replayRunId: string | null;
}

export interface QuarantineFilter {
  runId?: string;
  dataset?: string;
  /** Only records not replayed yet. */
  pending?: boolean;
  stage?: RejectedRecord['stage'];
  /** Only records with an issue of this code (the reason a rule or the schema gave). */
  reason?: string;
  /** Records with an id below this one (keyset paging, newest first). */
  beforeId?: number;
  limit: number;
}

/** The stored quarantine: browsing it, and what a replay reads and marks. */
export interface QuarantineQueries {
  list(filter: QuarantineFilter): Promise<QuarantinedRecord[]>;
  /** The records a run quarantined (first or last) still waiting for a replay, oldest first. */
  pending(runId: string): Promise<QuarantinedRecord[]>;
  /**
   * Marks records as replayed by a run when they passed: those the replay run quarantined again
   * stay pending. Returns how many were marked.
   */
  markReplayed(ids: readonly number[], replayRunId: string): Promise<number>;
}

export interface QuarantineBrowseFilter extends Omit<QuarantineFilter, 'runId'> {
  /** A run id, or a unique prefix of at least 8 hex characters. */
  run?: string;
}

export interface QuarantinePage {
  /** Newest first, at most the filter's limit. */
  records: QuarantinedRecord[];
  /** The `beforeId` of the next page; null on the last page. */
  next: number | null;
}

export interface QuarantinePorts {
  store: Pick<QuarantineQueries, 'list'>;
  /** The full id of the run a prefix names (see Runs.resolveId). */
  resolveRunId(text: string): Promise<string>;
}

export interface Quarantine {
  list(filter: QuarantineBrowseFilter): Promise<QuarantinePage>;
}

export function createQuarantine(ports: QuarantinePorts): Quarantine {
  return {
    async list({ run, ...filter }) {
      const runId = run === undefined ? undefined : await ports.resolveRunId(run);
      // One more than asked tells whether another page follows.
      const records = await ports.store.list({ ...filter, runId, limit: filter.limit + 1 });
      const page = records.slice(0, filter.limit);
      return { records: page, next: records.length > filter.limit ? (page.at(-1)?.id ?? null) : null };
    },
  };
}

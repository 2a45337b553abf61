// What sources hand to the engine: records with their origin, or items rejected while reading.

/** Where a record came from, kept with quarantined records so a person can find it. */
export interface RecordOrigin {
  readonly provider: string;
  readonly file?: string;
  readonly url?: string;
  /** 1-based line (CSV, NDJSON) or row (xlsx). */
  readonly line?: number;
  readonly sheet?: string;
  /** Set on records of a static last resort: the date its values are from. */
  readonly asOf?: string;
  /** Set when the record is replayed from the quarantine: its row there and where it was refused. */
  readonly quarantine?: { readonly id: number; readonly stage: string };
}

export interface RecordIssue {
  /** Field path inside the record; empty for the whole record. */
  readonly path: ReadonlyArray<string | number>;
  readonly code: string;
  readonly message: string;
}

export type SourceItem =
  | { readonly kind: 'record'; readonly value: unknown; readonly origin: RecordOrigin }
  | {
      readonly kind: 'rejected';
      readonly raw: unknown;
      readonly issues: readonly RecordIssue[];
      readonly origin: RecordOrigin;
    };

/** Sources yield chunks so per-record async overhead stays out of the hot path. */
export type SourceChunk = readonly SourceItem[];

export const ProviderOutcome = { served: 'served', failed: 'failed', skipped: 'skipped' } as const;
export type ProviderOutcome = (typeof ProviderOutcome)[keyof typeof ProviderOutcome];

/** How one provider of a fallback chain fared in a run: it served, failed, or was skipped (breaker open). */
export interface ProviderAttempt {
  readonly provider: string;
  readonly outcome: ProviderOutcome;
  /** Why it failed or was skipped. */
  readonly message?: string;
  /** A static last resort: the date its values are from. */
  readonly asOf?: string;
}

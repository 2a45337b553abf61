// Batches valid rows into lanes by key hash and keeps one write in flight per lane.
import type { EncodedRow } from '../domain/record-validation.ts';
import type { DatasetWriter, WriteCounts } from './ports.ts';

/** FNV-1a over the key texts: the same key always lands in the same lane. */
function laneOf(row: EncodedRow, keyIndexes: readonly number[], lanes: number): number {
  if (lanes === 1) return 0;
  let hash = 0x811c9dc5;
  for (const index of keyIndexes) {
    const text = row[index] ?? '';
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    hash ^= 0xff;
  }
  return (hash >>> 0) % lanes;
}

export interface LaneTotals extends Omit<WriteCounts, 'duplicatesInBatch'> {
  duplicatesInBatch: number;
  writeMs: number;
}

/**
 * Rows of one key always go through the same lane, in order, so "the last record wins" holds
 * across batches and concurrent lanes never write the same row (no lock waits between them).
 */
export class WriteLanes {
  readonly totals: LaneTotals = { inserted: 0, updated: 0, unchanged: 0, duplicatesInBatch: 0, writeMs: 0 };
  failure: unknown;
  readonly #writer: DatasetWriter;
  readonly #keyIndexes: readonly number[];
  readonly #batchSize: number;
  readonly #pending: EncodedRow[][];
  readonly #inFlight: Promise<void>[];

  constructor(
    writer: DatasetWriter,
    options: { keyIndexes: readonly number[]; batchSize: number; lanes: number },
  ) {
    this.#writer = writer;
    this.#keyIndexes = options.keyIndexes;
    this.#batchSize = options.batchSize;
    this.#pending = Array.from({ length: options.lanes }, () => []);
    this.#inFlight = Array.from({ length: options.lanes }, () => Promise.resolve());
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  add(row: EncodedRow): void {
    this.#pending[laneOf(row, this.#keyIndexes, this.#pending.length)]!.push(row);
  }

  /** Starts a write for every lane holding a full batch; waits only for that lane's previous write. */
  async flushFull(meta: { runId: string; provider: string }): Promise<void> {
    for (let lane = 0; lane < this.#pending.length; lane++) {
      if (this.#pending[lane]!.length >= this.#batchSize) await this.#flush(lane, meta);
    }
  }

  /** Drops the rows not yet sent to the database; returns how many. */
  discard(): number {
    let count = 0;
    for (let lane = 0; lane < this.#pending.length; lane++) {
      count += this.#pending[lane]!.length;
      this.#pending[lane] = [];
    }
    return count;
  }

  /** Writes everything pending and waits for every lane. */
  async drain(meta: { runId: string; provider: string }): Promise<void> {
    for (let lane = 0; lane < this.#pending.length; lane++) await this.#flush(lane, meta);
    await Promise.all(this.#inFlight);
  }

  async #flush(lane: number, meta: { runId: string; provider: string }): Promise<void> {
    const batch = this.#pending[lane]!;
    if (batch.length === 0) return;
    this.#pending[lane] = [];
    await this.#inFlight[lane];
    if (this.failed) return;
    const started = performance.now();
    this.#inFlight[lane] = this.#writer.write(batch, meta).then(
      (written) => {
        this.totals.writeMs += performance.now() - started;
        this.totals.inserted += written.inserted;
        this.totals.updated += written.updated;
        this.totals.unchanged += written.unchanged;
        this.totals.duplicatesInBatch += written.duplicatesInBatch;
      },
      (error: unknown) => {
        this.failure ??= error;
      },
    );
  }
}

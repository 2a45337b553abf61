// Routes valid rows into lanes by key hash; each lane writes each key once, with its last occurrence in the run.
import type { EncodedRow } from '../domain/record-validation.ts';
import type { BatchMeta, DatasetWriter, RunStage, WriteCounts } from './ports.ts';

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

export interface LaneTotals extends WriteCounts {
  writeMs: number;
}

/**
 * A lane whose rows fit in one batch writes them in one statement at the end of the run. A lane
 * that overflows a batch stages its rows in the database as they come (memory stays flat) and
 * merges them at the end, so a key that repeats across batches is written once, with its last
 * value: a re-run of identical input updates nothing, and no reader sees a superseded value.
 * Keys never cross lanes, so lanes merge concurrently without waiting on each other's rows.
 */
export class WriteLanes {
  readonly totals: LaneTotals = { inserted: 0, updated: 0, unchanged: 0, duplicateKeys: 0, writeMs: 0 };
  failure: unknown;
  readonly #writer: DatasetWriter;
  readonly #keyIndexes: readonly number[];
  readonly #batchSize: number;
  readonly #pending: EncodedRow[][];
  readonly #stages: (Promise<RunStage> | undefined)[];
  readonly #inFlight: Promise<void>[];

  constructor(
    writer: DatasetWriter,
    options: { keyIndexes: readonly number[]; batchSize: number; lanes: number },
  ) {
    this.#writer = writer;
    this.#keyIndexes = options.keyIndexes;
    this.#batchSize = options.batchSize;
    this.#pending = Array.from({ length: options.lanes }, () => []);
    this.#stages = Array.from({ length: options.lanes }, () => undefined);
    this.#inFlight = Array.from({ length: options.lanes }, () => Promise.resolve());
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  add(row: EncodedRow): void {
    this.#pending[laneOf(row, this.#keyIndexes, this.#pending.length)]!.push(row);
  }

  /** Stages every lane holding a full batch; waits only for that lane's previous append. */
  async flushFull(meta: BatchMeta): Promise<void> {
    for (let lane = 0; lane < this.#pending.length; lane++) {
      if (this.#pending[lane]!.length < this.#batchSize) continue;
      const batch = this.#pending[lane]!;
      this.#pending[lane] = [];
      await this.#inFlight[lane];
      if (this.failed) return;
      const stage = this.#stages[lane] ?? this.#writer.openStage(meta, lane);
      this.#stages[lane] = stage;
      const started = performance.now();
      this.#inFlight[lane] = stage
        .then((opened) => opened.append(batch))
        .then(
          () => {
            this.totals.writeMs += performance.now() - started;
          },
          (error: unknown) => {
            this.failure ??= error;
          },
        );
    }
  }

  /** Drops every row not yet written (pending and staged); returns how many were pending in memory. */
  async discard(): Promise<number> {
    let count = 0;
    for (let lane = 0; lane < this.#pending.length; lane++) {
      count += this.#pending[lane]!.length;
      this.#pending[lane] = [];
    }
    await Promise.all(this.#inFlight);
    await this.#dropStages();
    return count;
  }

  /** Writes everything: each lane's last batch directly, or its staged rows merged. */
  async drain(meta: BatchMeta): Promise<void> {
    await Promise.all(this.#inFlight);
    if (!this.failed) {
      await Promise.all(this.#pending.map((_, lane) => this.#finishLane(lane, meta)));
    }
    await this.#dropStages();
  }

  async #finishLane(lane: number, meta: BatchMeta): Promise<void> {
    const rows = this.#pending[lane]!;
    this.#pending[lane] = [];
    const stage = this.#stages[lane];
    const started = performance.now();
    try {
      let written: WriteCounts;
      if (stage) {
        const opened = await stage;
        await opened.append(rows);
        written = await opened.merge();
      } else {
        if (rows.length === 0) return;
        written = await this.#writer.write(rows, meta);
      }
      this.totals.writeMs += performance.now() - started;
      this.totals.inserted += written.inserted;
      this.totals.updated += written.updated;
      this.totals.unchanged += written.unchanged;
      this.totals.duplicateKeys += written.duplicateKeys;
    } catch (error) {
      this.failure ??= error;
    }
  }

  async #dropStages(): Promise<void> {
    for (let lane = 0; lane < this.#stages.length; lane++) {
      const stage = this.#stages[lane];
      this.#stages[lane] = undefined;
      if (!stage) continue;
      // A table left behind is dropped later by dropOrphanStages; the run's outcome stands, and a
      // stage that never opened has already recorded its failure.
      await stage.then((opened) => opened.drop()).catch(() => undefined);
    }
  }
}

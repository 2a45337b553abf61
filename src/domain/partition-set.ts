// Partitions as the product of a pipeline's dimensions: stable keys, parsing, key filters and run ids.
import { createHash } from 'node:crypto';
import { NotFoundError, UsageError } from './errors.ts';
import {
  type KeyDimension,
  type KeyEntry,
  KeySource,
  type ResolvedPartitioning,
  TickTarget,
  type TimeDimension,
} from './partition-definition.ts';
import {
  enumerateWindows,
  MAX_PARTITIONS,
  previousWindow,
  type TimeWindow,
  windowContaining,
  windowForKey,
} from './partition-window.ts';

export interface PartitionKeyValue {
  readonly dimension: string;
  readonly key: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface Partition {
  /** `2025-01-13|site=annecy`: time key first, then `dimension=key` in declaration order. */
  readonly key: string;
  readonly window: TimeWindow | undefined;
  readonly keys: readonly PartitionKeyValue[];
}

/** The stored key sets a partitioning reads, by key set name; the caller loads them. */
export type KeySets = ReadonlyMap<string, readonly KeyEntry[]>;

const NO_KEY_SETS: KeySets = new Map();

export function formatPartitionKey(
  window: Pick<TimeWindow, 'key'> | undefined,
  keys: readonly Pick<PartitionKeyValue, 'dimension' | 'key'>[],
): string {
  const parts = keys.map((value) => `${value.dimension}=${value.key}`);
  return (window ? [window.key, ...parts] : parts).join('|');
}

/** The keys of one dimension: its static list, or its stored key set from `keySets`. */
export function keyEntriesOf(dimension: KeyDimension, keySets: KeySets = NO_KEY_SETS): readonly KeyEntry[] {
  if (dimension.source === KeySource.static) return dimension.entries;
  const entries = keySets.get(dimension.keySet);
  // The caller loads every key set the partitioning reads, so a missing one is a wiring mistake.
  if (!entries) {
    throw new NotFoundError(`key set "${dimension.keySet}" (dimension "${dimension.name}") was not loaded`);
  }
  // Zero keys would make zero partitions, and every run or tick would silently do nothing.
  if (entries.length === 0) {
    const name = dimension.keySet;
    throw new UsageError(
      `key set "${name}" is empty: load it with \`sluice seed ${name}\` or \`sluice keys ${name} add <key> [attribute=value …]\``,
    );
  }
  return entries;
}

export interface ListPartitionsOptions {
  /** @defaultValue the time dimension's start */
  from?: Date;
  /** Required for an open-ended time dimension. @defaultValue the time dimension's end */
  to?: Date;
  keySets?: KeySets;
  /** @defaultValue MAX_PARTITIONS */
  limit?: number;
}

/** Every partition in range: windows overlapping `[from, to)` × the keys of each dimension, in order. */
export function listPartitions(
  partitioning: ResolvedPartitioning,
  options: ListPartitionsOptions = {},
): Partition[] {
  const limit = options.limit ?? MAX_PARTITIONS;
  let windows: readonly (TimeWindow | undefined)[] = [undefined];
  const time = partitioning.time;
  if (time) {
    const to = options.to ?? time.end;
    if (!to) {
      throw new UsageError(`pipeline "${partitioning.pipeline}" has open-ended time partitions; give an end`);
    }
    windows = enumerateWindows(time, options.from ?? time.start, to, limit);
  }
  return product(partitioning, windows, options.keySets ?? NO_KEY_SETS, limit);
}

function product(
  partitioning: ResolvedPartitioning,
  windows: readonly (TimeWindow | undefined)[],
  keySets: KeySets,
  limit: number,
): Partition[] {
  const dimensions = partitioning.keys.map((dimension) =>
    keyEntriesOf(dimension, keySets).map(
      (entry): PartitionKeyValue => ({
        dimension: dimension.name,
        key: entry.key,
        attributes: entry.attributes,
      }),
    ),
  );
  const total = dimensions.reduce((count, entries) => count * entries.length, windows.length);
  if (total > limit) {
    throw new UsageError(
      `pipeline "${partitioning.pipeline}": ${total} partitions is more than ${limit}; narrow the range or the keys`,
    );
  }
  let combinations: PartitionKeyValue[][] = [[]];
  for (const entries of dimensions) {
    combinations = combinations.flatMap((prefix) => entries.map((entry) => [...prefix, entry]));
  }
  return windows.flatMap((window) =>
    combinations.map((keys) => ({ key: formatPartitionKey(window, keys), window, keys })),
  );
}

/** The time window a tick processes under a tick target rule; undefined when it falls outside the range. */
export function tickWindow(time: TimeDimension, rule: TickTarget, tick: Date): TimeWindow | undefined {
  return rule === TickTarget.current ? windowContaining(time, tick) : previousWindow(time, tick);
}

/** The partitions a schedule tick enqueues: the pipeline's tick target window × every key. */
export function partitionsForTick(
  partitioning: ResolvedPartitioning,
  tick: Date,
  keySets: KeySets = NO_KEY_SETS,
): Partition[] {
  let windows: readonly (TimeWindow | undefined)[] = [undefined];
  if (partitioning.time) {
    const window = tickWindow(partitioning.time, partitioning.tickTarget, tick);
    if (!window) return [];
    windows = [window];
  }
  return product(partitioning, windows, keySets, MAX_PARTITIONS);
}

/** Reads a partition key back (`2025-W03|site=annecy`). Throws a UsageError naming what does not fit. */
export function parsePartitionKey(
  partitioning: ResolvedPartitioning,
  key: string,
  keySets: KeySets = NO_KEY_SETS,
): Partition {
  const segments = key.split('|');
  const expected = partitioning.dimensions.length;
  const shape = partitioning.dimensions
    .map((dimension) => (dimension.kind === 'time' ? dimension.every : `${dimension.name}=<key>`))
    .join('|');
  if (segments.length !== expected) {
    throw new UsageError(`partition "${key}" of pipeline "${partitioning.pipeline}" must look like ${shape}`);
  }
  const window = partitioning.time ? windowForKey(partitioning.time, segments.shift() ?? '') : undefined;
  const keys = partitioning.keys.map((dimension, index): PartitionKeyValue => {
    const segment = segments[index] ?? '';
    const prefix = `${dimension.name}=`;
    if (!segment.startsWith(prefix)) {
      throw new UsageError(
        `partition "${key}": expected ${prefix}<key> in position ${index + 1}, got "${segment}"`,
      );
    }
    const value = segment.slice(prefix.length);
    const entry = keyEntriesOf(dimension, keySets).find((candidate) => candidate.key === value);
    if (!entry)
      throw new UsageError(`partition "${key}": "${value}" is not a key of dimension "${dimension.name}"`);
    return { dimension: dimension.name, key: value, attributes: entry.attributes };
  });
  return { key: formatPartitionKey(window, keys), window, keys };
}

/** Splits a `--keys annecy,site=chambery` option into its items. */
export function parseKeyFilter(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * Keeps the partitions whose keys are in the filter. Items are `key` (only with a single key
 * dimension) or `dimension=key`; within a dimension items are alternatives, across dimensions
 * all must hold. Throws a UsageError for an unknown dimension or a key no partition has.
 */
export function filterPartitionsByKeys(
  partitioning: ResolvedPartitioning,
  partitions: readonly Partition[],
  filter: readonly string[],
): Partition[] {
  if (filter.length === 0) return [...partitions];
  const where = `pipeline "${partitioning.pipeline}"`;
  const names = partitioning.keys.map((dimension) => dimension.name);
  if (names.length === 0) throw new UsageError(`${where} has no key partitions to filter on`);
  const wanted = new Map<string, Set<string>>();
  for (const item of filter) {
    const equals = item.indexOf('=');
    let dimension = item.slice(0, Math.max(equals, 0));
    const value = item.slice(equals + 1);
    if (equals < 0) {
      if (names.length > 1) {
        throw new UsageError(
          `${where}: name the dimension of "${item}" (${names.map((n) => `${n}=${item}`).join(' or ')})`,
        );
      }
      dimension = names[0] ?? '';
    }
    if (!names.includes(dimension)) {
      throw new UsageError(
        `${where}: "${dimension}" is not a key dimension (dimensions: ${names.join(', ')})`,
      );
    }
    const known = new Set(
      partitions.flatMap((p) => p.keys.filter((k) => k.dimension === dimension).map((k) => k.key)),
    );
    if (!known.has(value)) {
      const sample = [...known].slice(0, 20).join(', ');
      throw new UsageError(`${where}: no partition has ${dimension}=${value} (keys: ${sample || 'none'})`);
    }
    const set = wanted.get(dimension) ?? new Set<string>();
    set.add(value);
    wanted.set(dimension, set);
  }
  return partitions.filter((partition) =>
    partition.keys.every((value) => wanted.get(value.dimension)?.has(value.key) ?? true),
  );
}

/** Orders partitions by window start, then by key; a key string alone misorders a repeated autumn hour. */
export function comparePartitions(a: Partition, b: Partition): number {
  const byTime = (a.window?.start.getTime() ?? 0) - (b.window?.start.getTime() ?? 0);
  if (byTime !== 0) return byTime;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

// A fixed UUID namespace for sluice run ids; changing it would change every run id.
const RUN_ID_NAMESPACE = Buffer.from('6f1d2a43b87c4e1f9a0d5c3e2b7f8a91', 'hex');

/**
 * A UUID v5 of (pipeline, partition key, attempt): enqueuing the same partition attempt twice
 * yields the same id, so the second enqueue is a no-op while the first is pending.
 */
export function deterministicRunId(pipeline: string, partitionKey: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new UsageError(`run attempt must be a positive integer, got ${attempt}`);
  }
  const hash = createHash('sha1')
    .update(RUN_ID_NAMESPACE)
    .update(`${pipeline}\u0000${partitionKey}\u0000${attempt}`, 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

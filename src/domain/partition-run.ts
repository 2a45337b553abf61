// What one run of a partitioned pipeline collects: the partition a key or date names, and its parameters.
import { UsageError } from './errors.ts';
import type { ResolvedPartitioning } from './partition-definition.ts';
import { assertPartitionTemplateValues, partitionParams } from './partition-params.ts';
import { type KeySets, type Partition, parsePartitionKey } from './partition-set.ts';
import { addDays, formatLocalDate, instantOfLocal, windowContaining } from './partition-window.ts';
import type { ResolvedPipeline } from './pipeline-definition.ts';
import { sourceTemplates } from './source-definition.ts';

export interface PartitionRun {
  readonly pipeline: ResolvedPipeline;
  readonly partition: Partition | undefined;
  /**
   * Set when a template has no value for this partition (a stored key without the attribute): the
   * run is recorded and fails with it before any request.
   */
  readonly problem: Error | undefined;
}

/** How a partition key of this pipeline looks, e.g. `weekly|site=<key>`. */
export function partitionKeyShape(partitioning: ResolvedPartitioning): string {
  return partitioning.dimensions
    .map((dimension) => (dimension.kind === 'time' ? dimension.every : `${dimension.name}=<key>`))
    .join('|');
}

/** What a trigger can name of a partitioned pipeline: its key shape, time dimension and declared keys. */
export interface PartitionChoices {
  shape: string;
  time: { every: string; timezone: string } | null;
  /** `values` null: the keys live in a stored key set, read at run time. */
  keys: Array<{ name: string; values: string[] | null }>;
}

export function partitionChoices(partitioning: ResolvedPartitioning): PartitionChoices {
  const time = partitioning.time;
  return {
    shape: partitionKeyShape(partitioning),
    time: time ? { every: time.every, timezone: time.timezone } : null,
    keys: partitioning.keys.map((dimension) => ({
      name: dimension.name,
      values: dimension.source === 'static' ? dimension.entries.map((entry) => entry.key) : null,
    })),
  };
}

/**
 * Resolves the partition a run collects and merges its parameters over the pipeline's `params`.
 * A partitioned pipeline needs a key and an unpartitioned one refuses it (UsageError).
 */
export function resolvePartitionRun(
  pipeline: ResolvedPipeline,
  partitionKey: string | undefined,
  keySets?: KeySets,
): PartitionRun {
  const partitioning = pipeline.partitioning;
  if (!partitioning) {
    if (partitionKey === undefined) return { pipeline, partition: undefined, problem: undefined };
    throw new UsageError(`pipeline "${pipeline.name}" has no partitions; run it without a partition`);
  }
  if (partitionKey === undefined) {
    const how = partitioning.time
      ? ` or --date YYYY-MM-DD${partitioning.keys.length > 0 ? ' with --partition for the keys' : ''}`
      : '';
    throw new UsageError(
      `pipeline "${pipeline.name}" is partitioned: name the partition to run, shaped ${partitionKeyShape(partitioning)} ` +
        `(sluice run ${pipeline.name} --partition <key>${how}; in code sluice.run(name, { partition }))`,
    );
  }
  const partition = parsePartitionKey(partitioning, partitionKey, keySets);
  const params = { ...pipeline.params, ...partitionParams(partition) };
  let problem: Error | undefined;
  try {
    for (const { where, parts } of sourceTemplates(pipeline.source)) {
      assertPartitionTemplateValues(`pipeline "${pipeline.name}": source ${where}`, parts, partition, params);
    }
  } catch (error) {
    problem = error instanceof Error ? error : new Error(String(error));
  }
  return { pipeline: { ...pipeline, params }, partition, problem };
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The partition key of the time window containing a local date (`2025-01-15` → `2025-W03` for a
 * weekly pipeline), followed by `keys` (`site=annecy`) when the pipeline also has key dimensions.
 */
export function partitionKeyForDate(partitioning: ResolvedPartitioning, date: string, keys?: string): string {
  const time = partitioning.time;
  if (!time)
    throw new UsageError(`pipeline "${partitioning.pipeline}" has no time partitions; --date does not apply`);
  const match = DATE.exec(date);
  const [year, month, day] = (match?.slice(1) ?? []).map(Number);
  const local = { year: year ?? 0, month: month ?? 0, day: day ?? 0 };
  if (!match || formatLocalDate(addDays(local, 0)) !== date) {
    throw new UsageError(`--date must be a date YYYY-MM-DD, got "${date}"`);
  }
  const window = windowContaining(
    time,
    new Date(instantOfLocal({ ...local, hour: 0, minute: 0, second: 0 }, time.timezone)),
  );
  if (!window)
    throw new UsageError(`${date} is outside the partitions of pipeline "${partitioning.pipeline}"`);
  if (partitioning.keys.length > 0 && !keys) {
    throw new UsageError(
      `pipeline "${partitioning.pipeline}" also has key partitions: add them with --partition ` +
        `(${partitioning.keys.map((dimension) => `${dimension.name}=<key>`).join('|')})`,
    );
  }
  return keys ? `${window.key}|${keys}` : window.key;
}

/**
 * The partition key a `--partition` / `--date` pair (or the API's `partition` / `date`) names for
 * a pipeline: the date picks the time window, the partition gives the keys (or the whole key).
 */
export function partitionFromOptions(
  pipeline: ResolvedPipeline,
  options: { partition?: string | undefined; date?: string | undefined },
): string | undefined {
  if (options.date === undefined) return options.partition;
  if (!pipeline.partitioning) {
    throw new UsageError(`pipeline "${pipeline.name}" has no partitions; --date does not apply`);
  }
  return partitionKeyForDate(pipeline.partitioning, options.date, options.partition);
}

// The template parameters a partition gives its sources, and the load-time check of their names.
import { ConfigError } from './errors.ts';
import { KeySource, type ResolvedPartitioning } from './partition-definition.ts';
import type { Partition } from './partition-set.ts';
import { assertTemplateVariables, type TemplatePart, templateVariables } from './template.ts';

export const PartitionParam = {
  /** Local date of the window's first instant, `YYYY-MM-DD`. */
  startDate: 'start_date',
  /** Last local date the window covers (inclusive), `YYYY-MM-DD`. */
  endDate: 'end_date',
  /** First instant, ISO 8601 in UTC (`2025-03-29T23:00:00Z`). */
  start: 'start',
  /** First instant after the window (exclusive), ISO 8601 in UTC. */
  end: 'end',
  /** The key, when the pipeline has exactly one key dimension. */
  key: 'key',
} as const;
export type PartitionParam = (typeof PartitionParam)[keyof typeof PartitionParam];

/** Shown for stored key sets, whose attributes are only known when the keys are read. */
const ANY_ATTRIBUTE = '*';

/**
 * Every parameter a pipeline with this partitioning can use. For a stored key set the
 * attributes are listed as `site.*`: every name is accepted at load time.
 */
export function knownPartitionParams(partitioning: ResolvedPartitioning): string[] {
  const known: string[] = [];
  if (partitioning.time) {
    known.push(PartitionParam.startDate, PartitionParam.endDate, PartitionParam.start, PartitionParam.end);
  }
  if (partitioning.keys.length === 1) known.push(PartitionParam.key);
  for (const dimension of partitioning.keys) {
    known.push(dimension.name);
    const attributes = dimension.source === KeySource.static ? dimension.attributes : [ANY_ATTRIBUTE];
    known.push(...attributes.map((attribute) => `${dimension.name}.${attribute}`));
  }
  return known;
}

function storedDimensionNames(partitioning: ResolvedPartitioning): string[] {
  return partitioning.keys.flatMap((dimension) =>
    dimension.source === KeySource.keySet ? [dimension.name] : [],
  );
}

/**
 * The load-time check: every `{{name}}` in `parts` is a static pipeline parameter or a
 * partition parameter. Also refuses static parameters that a partition parameter would shadow.
 * Throws a ConfigError naming `where`.
 */
export function assertPartitionTemplateVariables(
  where: string,
  parts: readonly TemplatePart[],
  partitioning: ResolvedPartitioning,
  staticParams: readonly string[] = [],
): void {
  const partitionParams = knownPartitionParams(partitioning);
  for (const name of staticParams) {
    if (partitionParams.includes(name)) {
      throw new ConfigError(`${where}: parameter "${name}" is also a partition parameter; rename it`);
    }
  }
  const stored = storedDimensionNames(partitioning);
  // Attributes of stored keys cannot be checked before the keys are read; see assertPartitionTemplateValues.
  const checked = parts.filter(
    (part) => !('variable' in part && stored.some((name) => part.variable.startsWith(`${name}.`))),
  );
  assertTemplateVariables(where, checked, [...staticParams, ...partitionParams]);
}

function isoInstant(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

/** The parameter values of one partition. */
export function partitionParams(partition: Partition): Record<string, string> {
  const params: Record<string, string> = {};
  const window = partition.window;
  if (window) {
    params[PartitionParam.startDate] = window.startDate;
    params[PartitionParam.endDate] = window.endDate;
    params[PartitionParam.start] = isoInstant(window.start);
    params[PartitionParam.end] = isoInstant(window.end);
  }
  const only = partition.keys.length === 1 ? partition.keys[0] : undefined;
  if (only) params[PartitionParam.key] = only.key;
  for (const value of partition.keys) {
    params[value.dimension] = value.key;
    for (const [attribute, text] of Object.entries(value.attributes)) {
      params[`${value.dimension}.${attribute}`] = text;
    }
  }
  return params;
}

/**
 * The run-time check before rendering: every variable has a value. A stored key without the
 * attribute a template uses is named with the attributes it does have. Throws a ConfigError.
 */
export function assertPartitionTemplateValues(
  where: string,
  parts: readonly TemplatePart[],
  partition: Partition,
  params: Readonly<Record<string, string>>,
): void {
  for (const variable of templateVariables(parts)) {
    if (params[variable] !== undefined) continue;
    const dot = variable.indexOf('.');
    const value = partition.keys.find((candidate) => candidate.dimension === variable.slice(0, dot));
    if (dot > 0 && value) {
      const attributes = Object.keys(value.attributes);
      throw new ConfigError(
        `${where}: partition ${partition.key}: key "${value.key}" of dimension "${value.dimension}" has no ` +
          `attribute "${variable.slice(dot + 1)}" for {{${variable}}} ` +
          `(${attributes.length > 0 ? `attributes: ${attributes.join(', ')}` : 'it has no attributes'})`,
      );
    }
    throw new ConfigError(
      `${where}: partition ${partition.key}: template parameter {{${variable}}} has no value`,
    );
  }
}

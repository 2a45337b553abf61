// What a pipeline is (source → transform → validate → dataset) and the config that groups them.
import type { z } from 'zod';
import type { DatasetDefinition, RecordSchema } from './dataset-definition.ts';
import { ConfigError } from './errors.ts';
import { assertIdentifier } from './identifier.ts';
import {
  assertKeySetsDeclared,
  type KeySetDefinition,
  parseKeySetDeclarations,
  type ResolvedKeySet,
} from './key-set.ts';
import { assertKnownKeys, optionKeys } from './option-keys.ts';
import {
  type PartitionsDefinition,
  parsePartitions,
  type ResolvedPartitioning,
} from './partition-definition.ts';
import { assertPartitionTemplateVariables } from './partition-params.ts';
import { parseSchedule, type ResolvedSchedule, type ScheduleDefinition } from './schedule-definition.ts';
import { assertGlobsInsideDir, type SourceDefinition, sourceTemplates } from './source-definition.ts';
import type { RecordOrigin } from './source-item.ts';
import { assertTemplateVariables } from './template.ts';

export interface TransformContext {
  readonly origin: RecordOrigin;
  readonly params: Readonly<Record<string, string>>;
}

/** Maps one source record to zero, one or several dataset records. */
export type Transform<In, Out> = (
  record: In,
  context: TransformContext,
) => Out | readonly Out[] | null | undefined;

/**
 * What a transform returns: the dataset's field names, values not yet checked. Validation
 * decides per record, so a bad value is quarantined with its reason instead of failing to compile.
 */
export type RecordDraft<S extends RecordSchema> = { [K in keyof z.input<S>]?: unknown };

export interface PipelineOptions<S extends RecordSchema> {
  source: SourceDefinition;
  /** The dataset the records go into: its definition or its name. */
  into: DatasetDefinition<S> | string;
  transform?: Transform<unknown, RecordDraft<S>>;
  /** Static parameters available to source templates as `{{name}}`. */
  params?: Record<string, string>;
  /** When `sluice serve`/`worker` run it: cron expressions, time zone, misfire policy. */
  schedule?: ScheduleDefinition;
  /** Time windows, keys or both; each partition is its own run with its own `{{start_date}}`, `{{key}}`, … */
  partitions?: PartitionsDefinition;
  description?: string;
}

export interface PipelineDefinition {
  readonly kind: 'pipeline';
  readonly name: string;
  readonly source: SourceDefinition;
  readonly into: DatasetDefinition | string;
  readonly transform: Transform<unknown, unknown> | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly schedule: ResolvedSchedule | undefined;
  readonly partitioning: ResolvedPartitioning | undefined;
  readonly description: string | undefined;
}

const PIPELINE_KEYS = optionKeys<PipelineOptions<RecordSchema>>({
  source: true,
  into: true,
  transform: true,
  params: true,
  schedule: true,
  partitions: true,
  description: true,
});

export function pipeline<S extends RecordSchema>(
  name: string,
  options: PipelineOptions<S>,
): PipelineDefinition {
  assertIdentifier(name, 'pipeline name');
  const where = `pipeline "${name}"`;
  assertKnownKeys(where, options, PIPELINE_KEYS);
  if (!options?.source || typeof options.source !== 'object' || !('kind' in options.source)) {
    throw new ConfigError(`${where}: source is required (files({...}) or http({...}))`);
  }
  if (options.transform !== undefined && typeof options.transform !== 'function') {
    throw new ConfigError(
      `${where}: transform must be a function (record, context) => record | record[] | null`,
    );
  }
  assertGlobsInsideDir(where, options.source);
  const params = options.params ?? {};
  const partitioning =
    options.partitions === undefined ? undefined : parsePartitions(name, options.partitions);
  for (const { where: field, parts } of sourceTemplates(options.source)) {
    const at = `${where}: source ${field}`;
    if (partitioning) assertPartitionTemplateVariables(at, parts, partitioning, Object.keys(params));
    else assertTemplateVariables(at, parts, Object.keys(params));
  }
  return {
    kind: 'pipeline',
    name,
    source: options.source,
    into: options.into as DatasetDefinition | string,
    transform: options.transform as Transform<unknown, unknown> | undefined,
    params,
    schedule: options.schedule === undefined ? undefined : parseSchedule(name, options.schedule),
    partitioning,
    description: options.description,
  };
}

export interface ConfigOptions {
  datasets?: DatasetDefinition[];
  pipelines?: PipelineDefinition[];
  /** Stored key sets that key dimensions read (`keySet: 'sites'`), by name, with their seed files. */
  keySets?: Record<string, KeySetDefinition>;
}

export interface ResolvedPipeline extends Omit<PipelineDefinition, 'into'> {
  readonly into: DatasetDefinition;
}

export interface SluiceConfig {
  readonly kind: 'config';
  readonly datasets: ReadonlyMap<string, DatasetDefinition>;
  readonly pipelines: ReadonlyMap<string, ResolvedPipeline>;
  readonly keySets: ReadonlyMap<string, ResolvedKeySet>;
}

/** Checks names and references across the whole config; every problem names what and where. */
export function defineConfig(options: ConfigOptions): SluiceConfig {
  assertKnownKeys(
    'defineConfig()',
    options,
    optionKeys<ConfigOptions>({ datasets: true, pipelines: true, keySets: true }),
  );
  const datasets = new Map<string, DatasetDefinition>();
  const addDataset = (definition: DatasetDefinition, where: string) => {
    if (definition?.kind !== 'dataset') throw new ConfigError(`${where}: expected a dataset(...) definition`);
    const existing = datasets.get(definition.name);
    if (existing && existing !== definition) {
      throw new ConfigError(
        `${where}: two different datasets are named "${definition.name}"; names must be unique`,
      );
    }
    datasets.set(definition.name, definition);
  };
  for (const [index, definition] of (options.datasets ?? []).entries())
    addDataset(definition, `datasets[${index}]`);

  const keySets = parseKeySetDeclarations(options.keySets);
  const pipelines = new Map<string, ResolvedPipeline>();
  for (const [index, definition] of (options.pipelines ?? []).entries()) {
    if (definition?.kind !== 'pipeline') {
      throw new ConfigError(`pipelines[${index}]: expected a pipeline(...) definition`);
    }
    const where = `pipeline "${definition.name}"`;
    if (pipelines.has(definition.name)) {
      throw new ConfigError(`${where}: defined twice; pipeline names must be unique`);
    }
    let into: DatasetDefinition;
    if (typeof definition.into === 'string') {
      const found = datasets.get(definition.into);
      if (!found) {
        const known = [...datasets.keys()];
        throw new ConfigError(
          `${where}: into references dataset "${definition.into}", which is not defined ` +
            `(${known.length > 0 ? `defined: ${known.join(', ')}` : 'no datasets are defined'}); ` +
            'add it to defineConfig({ datasets: [...] })',
        );
      }
      into = found;
    } else if (definition.into?.kind === 'dataset') {
      addDataset(definition.into, `${where}: into`);
      into = definition.into;
    } else {
      throw new ConfigError(`${where}: into must be a dataset(...) or the name of one`);
    }
    assertKeySetsDeclared(definition.name, definition.partitioning, keySets);
    pipelines.set(definition.name, { ...definition, into });
  }
  return { kind: 'config', datasets, pipelines, keySets };
}

// The public API that a project's sluice.config.ts imports.
export { z } from 'zod';
export { connectors } from './connectors/connectors.ts';
export type { FrankfurterRate } from './connectors/frankfurter/dataset.ts';
export type { FrankfurterPipelineOptions } from './connectors/frankfurter/frankfurter.ts';
export type { FrankfurterOptions } from './connectors/frankfurter/source.ts';
export { unzipColumns } from './connectors/kit/unzip.ts';
export type {
  AsyncJobOptions,
  JsonTemplate,
  PollIntervalOptions,
  PollStatus,
} from './domain/async-job-definition.ts';
export { asyncJob } from './domain/async-job-definition.ts';
export { numberOrNull } from './domain/cell-values.ts';
export type { PgType } from './domain/column-type.ts';
export type { DatasetDefinition, DatasetOptions, WriteMode } from './domain/dataset-definition.ts';
export { dataset } from './domain/dataset-definition.ts';
export { ConfigError, SluiceError, SourceError } from './domain/errors.ts';
export type { KeySetDefinition } from './domain/key-set.ts';
export type {
  KeysDefinition,
  PartitionsDefinition,
  TickTarget,
  TimePartitionDefinition,
} from './domain/partition-definition.ts';
export type {
  ConfigOptions,
  PipelineDefinition,
  PipelineOptions,
  RecordDraft,
  SluiceConfig,
  Transform,
  TransformContext,
} from './domain/pipeline-definition.ts';
export { defineConfig, pipeline } from './domain/pipeline-definition.ts';
export type { QualityRule, RuleOptions, Severity } from './domain/quality-rules.ts';
export { rule } from './domain/quality-rules.ts';
export type {
  BreakerOptions,
  FailureRateOptions,
  RateLimitOptions,
  ResilienceOptions,
  RetryOptions,
} from './domain/resilience-policy.ts';
export type {
  FallbackSourceDefinition,
  FilesSourceOptions,
  HttpSourceOptions,
  ResponseCheck,
  SecretRef,
  StaticSourceOptions,
} from './domain/source-definition.ts';
export { fallback, files, http, secret, staticValue } from './domain/source-definition.ts';
export type { RecordOrigin } from './domain/source-item.ts';
export type {
  CreatedToken,
  EmbeddedSluice,
  SluiceOptions,
  SluicePluginOptions,
  StartOptions,
  TriggerOptions,
} from './embed.ts';
export { createSluice } from './embed.ts';
export type { SluiceApp } from './engine/app.ts';
export type { RunReport } from './engine/ports.ts';
export type { RunOptions } from './engine/run-pipeline.ts';
export type { RunDetail } from './engine/run-record.ts';

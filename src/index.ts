// The public API that a project's sluice.config.ts imports.
export { z } from 'zod';
export { connectors } from './connectors/connectors.ts';
export type { EcbRate } from './connectors/ecb/dataset.ts';
export type { EcbPipelineOptions } from './connectors/ecb/ecb.ts';
export type { EcbFile, EcbOptions } from './connectors/ecb/source.ts';
export type { ErapiRate } from './connectors/erapi/dataset.ts';
export type { ErapiPipelineOptions } from './connectors/erapi/erapi.ts';
export type { ErapiOptions } from './connectors/erapi/source.ts';
export type { FrankfurterRate } from './connectors/frankfurter/dataset.ts';
export type { FrankfurterPipelineOptions } from './connectors/frankfurter/frankfurter.ts';
export type { FrankfurterOptions } from './connectors/frankfurter/source.ts';
export type { FxRates, FxRatesPipelineOptions } from './connectors/fx-rates/fx-rates.ts';
export type { FxRatesOptions } from './connectors/fx-rates/source.ts';
export type { InfoclimatPipelineOptions } from './connectors/infoclimat/infoclimat.ts';
export type { InfoclimatOptions } from './connectors/infoclimat/source.ts';
export { localTimeToUtc } from './connectors/kit/local-time.ts';
export type { Observation, ObservationVariable } from './connectors/kit/observation.ts';
export { unzipColumns } from './connectors/kit/unzip.ts';
export { xmlRows } from './connectors/kit/xml.ts';
export type { OpenMeteoResolution, OpenMeteoValue } from './connectors/openmeteo/dataset.ts';
export type { OpenMeteoPipelineOptions } from './connectors/openmeteo/openmeteo.ts';
export type { OpenMeteoApi, OpenMeteoOptions } from './connectors/openmeteo/source.ts';
export type { OpenMeteoTransformOptions } from './connectors/openmeteo/transform.ts';
export type { PioupiouPipelineOptions } from './connectors/pioupiou/pioupiou.ts';
export type { PioupiouOptions } from './connectors/pioupiou/source.ts';
export type { QuotesOptions } from './connectors/quotes/chain.ts';
export type { Quote } from './connectors/quotes/dataset.ts';
export type { QuotesPipelineOptions } from './connectors/quotes/quotes.ts';
export type { StooqDaily, StooqQuote } from './connectors/stooq/dataset.ts';
export type { StooqHistoryOptions, StooqOptions, StooqQuoteOptions } from './connectors/stooq/source.ts';
export type { StooqHistoryPipelineOptions, StooqQuotePipelineOptions } from './connectors/stooq/stooq.ts';
export type { TwelveDataBar, TwelveDataQuote } from './connectors/twelvedata/dataset.ts';
export type {
  TwelveDataInterval,
  TwelveDataOptions,
  TwelveDataSeriesOptions,
} from './connectors/twelvedata/source.ts';
export type {
  TwelveDataQuotePipelineOptions,
  TwelveDataSeriesPipelineOptions,
} from './connectors/twelvedata/twelvedata.ts';
export type { WuOptions } from './connectors/wu/source.ts';
export type { WuPipelineOptions } from './connectors/wu/wu.ts';
export type { YahooBar } from './connectors/yahoo/dataset.ts';
export type { YahooChartOptions, YahooInterval } from './connectors/yahoo/source.ts';
export type { YahooPipelineOptions } from './connectors/yahoo/yahoo.ts';
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
export { type OAuth2Options, oauth2 } from './domain/oauth2.ts';
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

// The Stooq connector as users get it: `connectors.stooq` (history and quote sources, transforms, datasets, pipelines).
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { type PipelineDefinition, type PipelineOptions, pipeline } from '../../domain/pipeline-definition.ts';
import { stooqDaily, stooqDailySchema, stooqQuoteSchema, stooqQuotes } from './dataset.ts';
import {
  STOOQ_URL,
  type StooqHistoryOptions,
  type StooqQuoteOptions,
  stooqCheck,
  stooqHistorySource,
  stooqQuoteSource,
} from './source.ts';
import { stooqHistoryTransform, stooqQuoteTransform } from './transform.ts';

type DailySchema = typeof stooqDailySchema;
type QuoteSchema = typeof stooqQuoteSchema;

export interface StooqHistoryPipelineOptions
  extends StooqHistoryOptions,
    Omit<PipelineOptions<DailySchema>, 'source' | 'transform' | 'into'> {
  /** @defaultValue stooqDaily (`stooq_daily`) */
  into?: DatasetDefinition<DailySchema> | string;
}

export interface StooqQuotePipelineOptions
  extends StooqQuoteOptions,
    Omit<PipelineOptions<QuoteSchema>, 'source' | 'transform' | 'into'> {
  /** @defaultValue stooqQuotes (`stooq_quotes`) */
  into?: DatasetDefinition<QuoteSchema> | string;
}

/** Daily bars of one symbol into `stooq_daily` (or `into`). */
function historyPipeline(name: string, options: StooqHistoryPipelineOptions): PipelineDefinition {
  const { symbol, apiKey, baseUrl, name: provider, rateLimit, from, to, into, ...rest } = options;
  return pipeline(name, {
    ...rest,
    source: stooqHistorySource({ symbol, apiKey, baseUrl, name: provider, rateLimit, from, to }),
    transform: stooqHistoryTransform(symbol),
    into: into ?? stooqDaily,
  });
}

/** The quote of one symbol into `stooq_quotes` (or `into`). */
function quotePipeline(name: string, options: StooqQuotePipelineOptions): PipelineDefinition {
  const { symbol, apiKey, baseUrl, name: provider, rateLimit, noData, into, ...rest } = options;
  return pipeline(name, {
    ...rest,
    source: stooqQuoteSource({ symbol, apiKey, baseUrl, name: provider, rateLimit, noData }),
    transform: stooqQuoteTransform,
    into: into ?? stooqQuotes,
  });
}

export const stooq = {
  url: STOOQ_URL,
  check: stooqCheck,
  history: {
    source: stooqHistorySource,
    transform: stooqHistoryTransform,
    schema: stooqDailySchema,
    dataset: stooqDaily,
    pipeline: historyPipeline,
  },
  quote: {
    source: stooqQuoteSource,
    transform: stooqQuoteTransform,
    schema: stooqQuoteSchema,
    dataset: stooqQuotes,
    pipeline: quotePipeline,
  },
} as const;

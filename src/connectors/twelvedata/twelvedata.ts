// The Twelve Data connector as users get it: `connectors.twelvedata` (quote and time series).
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { type PipelineDefinition, type PipelineOptions, pipeline } from '../../domain/pipeline-definition.ts';
import { twelveDataBarSchema, twelveDataBars, twelveDataQuoteSchema, twelveDataQuotes } from './dataset.ts';
import {
  TWELVEDATA_URL,
  type TwelveDataOptions,
  type TwelveDataSeriesOptions,
  twelveDataCheck,
  twelveDataQuoteSource,
  twelveDataSeriesSource,
} from './source.ts';
import { twelveDataQuoteTransform, twelveDataSeriesTransform } from './transform.ts';

type QuoteSchema = typeof twelveDataQuoteSchema;
type BarSchema = typeof twelveDataBarSchema;

export interface TwelveDataQuotePipelineOptions
  extends TwelveDataOptions,
    Omit<PipelineOptions<QuoteSchema>, 'source' | 'transform' | 'into'> {
  /** @defaultValue twelveDataQuotes (`twelvedata_quotes`) */
  into?: DatasetDefinition<QuoteSchema> | string;
}

export interface TwelveDataSeriesPipelineOptions
  extends TwelveDataSeriesOptions,
    Omit<PipelineOptions<BarSchema>, 'source' | 'transform' | 'into'> {
  /** @defaultValue twelveDataBars (`twelvedata_bars`) */
  into?: DatasetDefinition<BarSchema> | string;
}

function quotePipeline(name: string, options: TwelveDataQuotePipelineOptions): PipelineDefinition {
  const { symbol, apiKey, baseUrl, name: provider, rateLimit, into, ...rest } = options;
  return pipeline(name, {
    ...rest,
    source: twelveDataQuoteSource({ symbol, apiKey, baseUrl, name: provider, rateLimit }),
    transform: twelveDataQuoteTransform,
    into: into ?? twelveDataQuotes,
  });
}

function seriesPipeline(name: string, options: TwelveDataSeriesPipelineOptions): PipelineDefinition {
  const { symbol, apiKey, baseUrl, name: provider, rateLimit, interval, outputsize, into, ...rest } = options;
  return pipeline(name, {
    ...rest,
    source: twelveDataSeriesSource({
      symbol,
      apiKey,
      baseUrl,
      name: provider,
      rateLimit,
      interval,
      outputsize,
    }),
    transform: twelveDataSeriesTransform,
    into: into ?? twelveDataBars,
  });
}

export const twelvedata = {
  url: TWELVEDATA_URL,
  check: twelveDataCheck,
  quote: {
    source: twelveDataQuoteSource,
    transform: twelveDataQuoteTransform,
    schema: twelveDataQuoteSchema,
    dataset: twelveDataQuotes,
    pipeline: quotePipeline,
  },
  timeSeries: {
    source: twelveDataSeriesSource,
    transform: twelveDataSeriesTransform,
    schema: twelveDataBarSchema,
    dataset: twelveDataBars,
    pipeline: seriesPipeline,
  },
} as const;

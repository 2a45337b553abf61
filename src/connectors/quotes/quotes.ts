// The quotes chain as users get it: `connectors.quotes` (source, transform, dataset, pipeline).
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { type PipelineDefinition, type PipelineOptions, pipeline } from '../../domain/pipeline-definition.ts';
import { type QuotesOptions, quotesSource, quotesTransform } from './chain.ts';
import { quoteSchema, quotes as quotesDataset } from './dataset.ts';

type QuoteSchema = typeof quoteSchema;

export interface QuotesPipelineOptions
  extends QuotesOptions,
    Omit<PipelineOptions<QuoteSchema>, 'source' | 'transform' | 'into'> {
  symbol: string;
  /** @defaultValue the `quotes` dataset */
  into?: DatasetDefinition<QuoteSchema> | string;
}

/** The last price of one symbol into `quotes`, e.g. `pipeline('aapl_quote', { symbol: 'AAPL', lastResort })`. */
function quotesPipeline(name: string, options: QuotesPipelineOptions): PipelineDefinition {
  const { symbol, lastResort, yahoo, stooq, twelvedata, into, ...rest } = options;
  return pipeline(name, {
    ...rest,
    source: quotesSource(symbol, { lastResort, yahoo, stooq, twelvedata }),
    transform: quotesTransform(symbol),
    into: into ?? quotesDataset,
  });
}

export const quotes = {
  source: quotesSource,
  transform: quotesTransform,
  schema: quoteSchema,
  dataset: quotesDataset,
  pipeline: quotesPipeline,
} as const;

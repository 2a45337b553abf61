// The Yahoo chart connector as users get it: `connectors.yahoo` (source, transform, dataset, pipeline).
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { type PipelineDefinition, type PipelineOptions, pipeline } from '../../domain/pipeline-definition.ts';
import { yahooBarSchema, yahooBars } from './dataset.ts';
import { YAHOO_CHART_URL, type YahooChartOptions, yahooChartSource, yahooCheck } from './source.ts';
import { yahooTransform } from './transform.ts';

type BarSchema = typeof yahooBarSchema;

/** The request (YahooChartOptions) and what a pipeline adds; `into` must have the bar schema's fields. */
export interface YahooPipelineOptions
  extends YahooChartOptions,
    Omit<PipelineOptions<BarSchema>, 'source' | 'transform' | 'into'> {
  /** @defaultValue yahooBars (`market_bars`) */
  into?: DatasetDefinition<BarSchema> | string;
}

/** A pipeline of Yahoo bars into `market_bars` (or `into`), e.g. `pipeline('aapl_daily', { symbol: 'AAPL' })`. */
function yahooPipeline(name: string, options: YahooPipelineOptions): PipelineDefinition {
  const { symbol, interval, range, from, to, baseUrl, name: provider, rateLimit, into, ...rest } = options;
  return pipeline(name, {
    ...rest,
    source: yahooChartSource({ symbol, interval, range, from, to, baseUrl, name: provider, rateLimit }),
    transform: yahooTransform,
    into: into ?? yahooBars,
  });
}

export const yahoo = {
  url: YAHOO_CHART_URL,
  source: yahooChartSource,
  check: yahooCheck,
  transform: yahooTransform,
  schema: yahooBarSchema,
  dataset: yahooBars,
  pipeline: yahooPipeline,
} as const;

// The Frankfurter connector as users get it: `connectors.frankfurter` (source, transform, dataset, pipeline).
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { type PipelineDefinition, type PipelineOptions, pipeline } from '../../domain/pipeline-definition.ts';
import { frankfurterRateSchema, frankfurterRates } from './dataset.ts';
import { FRANKFURTER_URL, type FrankfurterOptions, frankfurterCheck, frankfurterSource } from './source.ts';
import { frankfurterTransform } from './transform.ts';

type RateSchema = typeof frankfurterRateSchema;

/** The request (FrankfurterOptions) and what a pipeline adds; `into` must have the rate schema's fields. */
export interface FrankfurterPipelineOptions
  extends FrankfurterOptions,
    Omit<PipelineOptions<RateSchema>, 'source' | 'transform' | 'into'> {
  /** @defaultValue frankfurterRates (`fx_rates`) */
  into?: DatasetDefinition<RateSchema> | string;
}

/** A pipeline of Frankfurter rates into `fx_rates` (or `into`), e.g. `pipeline('eur_rates', { symbols: ['USD'] })`. */
function frankfurterPipeline(name: string, options: FrankfurterPipelineOptions = {}): PipelineDefinition {
  const { date, base, symbols, baseUrl, name: provider, rateLimit, into, ...rest } = options;
  return pipeline(name, {
    ...rest,
    source: frankfurterSource({ date, base, symbols, baseUrl, name: provider, rateLimit }),
    transform: frankfurterTransform,
    into: into ?? frankfurterRates,
  });
}

export const frankfurter = {
  url: FRANKFURTER_URL,
  source: frankfurterSource,
  check: frankfurterCheck,
  transform: frankfurterTransform,
  schema: frankfurterRateSchema,
  dataset: frankfurterRates,
  pipeline: frankfurterPipeline,
} as const;

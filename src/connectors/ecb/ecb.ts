// The ECB connector as users get it: `connectors.ecb` (source, transform, dataset, pipeline).
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import {
  type PipelineDefinition,
  type PipelineOptions,
  pipeline,
  type Transform,
} from '../../domain/pipeline-definition.ts';
import { ecbRateSchema, ecbRates } from './dataset.ts';
import { ECB_URL, type EcbOptions, ecbCheck, ecbSource } from './source.ts';
import { ECB_RATES_PATH, type EcbRateDraft, ecbTransform } from './transform.ts';

type RateSchema = typeof ecbRateSchema;

/** The request (EcbOptions) and what a pipeline adds; `into` must have the rate schema's fields. */
export interface EcbPipelineOptions
  extends EcbOptions,
    Omit<PipelineOptions<RateSchema>, 'source' | 'transform' | 'into'> {
  /** @defaultValue ecbRates (`fx_rates`) */
  into?: DatasetDefinition<RateSchema> | string;
}

/** ecbTransform keeping only `symbols` (the ECB has no query: every file holds every currency). */
export function ecbTransformOf(symbols: readonly string[] | undefined): Transform<unknown, EcbRateDraft> {
  if (symbols === undefined || symbols.length === 0) return ecbTransform;
  const kept = new Set(symbols);
  return (document, context) => {
    const drafts = ecbTransform(document, context);
    return (Array.isArray(drafts) ? drafts : []).filter((draft) => kept.has(String(draft.quote)));
  };
}

/** A pipeline of ECB rates into `fx_rates` (or `into`), e.g. `pipeline('ecb_rates', { file: 'hist-90d' })`. */
function ecbPipeline(name: string, options: EcbPipelineOptions = {}): PipelineDefinition {
  const { file, symbols, baseUrl, name: provider, rateLimit, into, ...rest } = options;
  return pipeline(name, {
    ...rest,
    source: ecbSource({ file, symbols, baseUrl, name: provider, rateLimit }),
    transform: ecbTransformOf(symbols),
    into: into ?? ecbRates,
  });
}

export const ecb = {
  url: ECB_URL,
  ratesPath: ECB_RATES_PATH,
  source: ecbSource,
  check: ecbCheck,
  transform: ecbTransform,
  schema: ecbRateSchema,
  dataset: ecbRates,
  pipeline: ecbPipeline,
} as const;

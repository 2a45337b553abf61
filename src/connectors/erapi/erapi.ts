// The ExchangeRate-API (open access) connector as users get it: `connectors.erapi`.
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import {
  type PipelineDefinition,
  type PipelineOptions,
  pipeline,
  type Transform,
} from '../../domain/pipeline-definition.ts';
import { erapiRateSchema, erapiRates } from './dataset.ts';
import { ERAPI_URL, type ErapiOptions, erapiCheck, erapiSource } from './source.ts';
import { type ErapiRateDraft, erapiTransform } from './transform.ts';

type RateSchema = typeof erapiRateSchema;

/** The request (ErapiOptions) and what a pipeline adds; `into` must have the rate schema's fields. */
export interface ErapiPipelineOptions
  extends ErapiOptions,
    Omit<PipelineOptions<RateSchema>, 'source' | 'transform' | 'into'> {
  /** @defaultValue erapiRates (`fx_rates`) */
  into?: DatasetDefinition<RateSchema> | string;
}

/** erapiTransform keeping only `symbols` (the API always sends every currency it has). */
export function erapiTransformOf(symbols: readonly string[] | undefined): Transform<unknown, ErapiRateDraft> {
  if (symbols === undefined || symbols.length === 0) return erapiTransform;
  const kept = new Set(symbols);
  return (document, context) => {
    const drafts = erapiTransform(document, context);
    return (Array.isArray(drafts) ? drafts : []).filter((draft) => kept.has(String(draft.quote)));
  };
}

/** A pipeline of open.er-api.com rates into `fx_rates` (or `into`), e.g. `pipeline('usd_rates', { base: 'USD' })`. */
function erapiPipeline(name: string, options: ErapiPipelineOptions = {}): PipelineDefinition {
  const { base, symbols, baseUrl, name: provider, rateLimit, into, ...rest } = options;
  return pipeline(name, {
    ...rest,
    source: erapiSource({ base, symbols, baseUrl, name: provider, rateLimit }),
    transform: erapiTransformOf(symbols),
    into: into ?? erapiRates,
  });
}

export const erapi = {
  url: ERAPI_URL,
  source: erapiSource,
  check: erapiCheck,
  transform: erapiTransform,
  schema: erapiRateSchema,
  dataset: erapiRates,
  pipeline: erapiPipeline,
} as const;

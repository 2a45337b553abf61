// The Weather Underground PWS connector as users get it: `connectors.wu` (source, transform, dataset, pipeline).
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { type PipelineDefinition, type PipelineOptions, pipeline } from '../../domain/pipeline-definition.ts';
import { observationSchema, stationObservations } from '../kit/observation.ts';
import { WU_URL, type WuOptions, wuCheck, wuSource } from './source.ts';
import { wuFields, wuMetricFields, wuTransform } from './transform.ts';

type ObservationSchema = typeof observationSchema;

/** The request (WuOptions) and what a pipeline adds; `into` must have the observation fields. */
export interface WuPipelineOptions
  extends WuOptions,
    Omit<PipelineOptions<ObservationSchema>, 'source' | 'transform' | 'into'> {
  /** @defaultValue stationObservations (`station_observations`) */
  into?: DatasetDefinition<ObservationSchema> | string;
}

/** A pipeline of one PWS's current observation, e.g. `pipeline('herne', { station: 'IHERNE113' })`. */
function wuPipeline(name: string, options: WuPipelineOptions): PipelineDefinition {
  const { station, apiKey, baseUrl, name: provider, rateLimit, into, ...rest } = options;
  return pipeline(name, {
    ...rest,
    source: wuSource({ station, apiKey, baseUrl, name: provider, rateLimit }),
    transform: wuTransform,
    into: into ?? stationObservations,
  });
}

export const wu = {
  url: WU_URL,
  fields: wuFields,
  metricFields: wuMetricFields,
  source: wuSource,
  check: wuCheck,
  transform: wuTransform,
  schema: observationSchema,
  dataset: stationObservations,
  pipeline: wuPipeline,
} as const;

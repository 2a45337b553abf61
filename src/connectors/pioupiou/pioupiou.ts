// The Pioupiou connector as users get it: `connectors.pioupiou` (source, transform, dataset, pipeline).
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { type PipelineDefinition, type PipelineOptions, pipeline } from '../../domain/pipeline-definition.ts';
import { observationSchema, stationObservations } from '../kit/observation.ts';
import { PIOUPIOU_URL, type PioupiouOptions, pioupiouCheck, pioupiouSource } from './source.ts';
import { pioupiouFields, pioupiouTransform } from './transform.ts';

type ObservationSchema = typeof observationSchema;

/** The request (PioupiouOptions) and what a pipeline adds; `into` must have the observation fields. */
export interface PioupiouPipelineOptions
  extends PioupiouOptions,
    Omit<PipelineOptions<ObservationSchema>, 'source' | 'transform' | 'into'> {
  /** @defaultValue stationObservations (`station_observations`) */
  into?: DatasetDefinition<ObservationSchema> | string;
}

/** A pipeline of one beacon's live measurements, e.g. `pipeline('beacon_110', { station: 110 })`. */
function pioupiouPipeline(name: string, options: PioupiouPipelineOptions): PipelineDefinition {
  const { station, baseUrl, name: provider, rateLimit, into, ...rest } = options;
  return pipeline(name, {
    ...rest,
    source: pioupiouSource({ station, baseUrl, name: provider, rateLimit }),
    transform: pioupiouTransform,
    into: into ?? stationObservations,
  });
}

export const pioupiou = {
  url: PIOUPIOU_URL,
  fields: pioupiouFields,
  source: pioupiouSource,
  check: pioupiouCheck,
  transform: pioupiouTransform,
  schema: observationSchema,
  dataset: stationObservations,
  pipeline: pioupiouPipeline,
} as const;

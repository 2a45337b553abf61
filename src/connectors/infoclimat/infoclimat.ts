// The Infoclimat connector as users get it: `connectors.infoclimat` (source, transform, dataset, pipeline).
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { type PipelineDefinition, type PipelineOptions, pipeline } from '../../domain/pipeline-definition.ts';
import { observationSchema, stationObservations } from '../kit/observation.ts';
import { INFOCLIMAT_URL, type InfoclimatOptions, infoclimatCheck, infoclimatSource } from './source.ts';
import { infoclimatFields, infoclimatTransform } from './transform.ts';

type ObservationSchema = typeof observationSchema;

/** The request (InfoclimatOptions) and what a pipeline adds; `into` must have the observation fields. */
export interface InfoclimatPipelineOptions
  extends InfoclimatOptions,
    Omit<PipelineOptions<ObservationSchema>, 'source' | 'transform' | 'into'> {
  /** @defaultValue stationObservations (`station_observations`) */
  into?: DatasetDefinition<ObservationSchema> | string;
}

/** A pipeline of Infoclimat observations, e.g. `pipeline('lille', { stations: ['07015'], start, end })`. */
function infoclimatPipeline(name: string, options: InfoclimatPipelineOptions): PipelineDefinition {
  const { stations, start, end, token, baseUrl, name: provider, rateLimit, into, ...rest } = options;
  return pipeline(name, {
    ...rest,
    source: infoclimatSource({ stations, start, end, token, baseUrl, name: provider, rateLimit }),
    transform: infoclimatTransform,
    into: into ?? stationObservations,
  });
}

export const infoclimat = {
  url: INFOCLIMAT_URL,
  fields: infoclimatFields,
  source: infoclimatSource,
  check: infoclimatCheck,
  transform: infoclimatTransform,
  schema: observationSchema,
  dataset: stationObservations,
  pipeline: infoclimatPipeline,
} as const;

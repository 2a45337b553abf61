// The Open-Meteo connector as users get it: `connectors.openMeteo` (source, transform, dataset, pipeline).
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { type PipelineDefinition, type PipelineOptions, pipeline } from '../../domain/pipeline-definition.ts';
import { openMeteoValueSchema, openMeteoValues } from './dataset.ts';
import { OPENMETEO_URLS, type OpenMeteoOptions, openMeteoCheck, openMeteoSource } from './source.ts';
import { openMeteoInstant, openMeteoTransform, openMeteoTransformFor } from './transform.ts';

type ValueSchema = typeof openMeteoValueSchema;

/** The request (OpenMeteoOptions) and what a pipeline adds; `into` must have the value schema's fields. */
export interface OpenMeteoPipelineOptions
  extends OpenMeteoOptions,
    Omit<PipelineOptions<ValueSchema>, 'source' | 'transform' | 'into'> {
  /** @defaultValue openMeteoValues (`weather_model_values`) */
  into?: DatasetDefinition<ValueSchema> | string;
}

/** A pipeline of one Open-Meteo request, e.g. `pipeline('berlin', { latitude: 52.52, longitude: 13.41, hourly: ['temperature_2m'] })`. */
function openMeteoPipeline(name: string, options: OpenMeteoPipelineOptions): PipelineDefinition {
  const {
    latitude,
    longitude,
    api,
    hourly,
    daily,
    current,
    minutely15,
    models,
    timezone,
    forecastDays,
    pastDays,
    startDate,
    endDate,
    windSpeedUnit,
    temperatureUnit,
    precipitationUnit,
    url,
    name: provider,
    rateLimit,
    into,
    ...rest
  } = options;
  const request = { latitude, longitude, api, hourly, daily, current, minutely15, models, timezone };
  const days = { forecastDays, pastDays, startDate, endDate };
  const units = { windSpeedUnit, temperatureUnit, precipitationUnit };
  return pipeline(name, {
    ...rest,
    source: openMeteoSource({ ...request, ...days, ...units, url, name: provider, rateLimit }),
    // The suffixes to read are those of the models this source asks for.
    transform: openMeteoTransformFor({ models }),
    into: into ?? openMeteoValues,
  });
}

export const openMeteo = {
  urls: OPENMETEO_URLS,
  source: openMeteoSource,
  check: openMeteoCheck,
  transform: openMeteoTransform,
  transformFor: openMeteoTransformFor,
  instant: openMeteoInstant,
  schema: openMeteoValueSchema,
  dataset: openMeteoValues,
  pipeline: openMeteoPipeline,
} as const;

// fxRates({ base, quotes }): today's rates from the first of the ECB, ExchangeRate-API and
// Frankfurter that answers, as `fx_rates` records, with the provider that served them.
import type { DatasetDefinition } from '../../domain/dataset-definition.ts';
import { ConfigError } from '../../domain/errors.ts';
import {
  type PipelineDefinition,
  type PipelineOptions,
  pipeline,
  type RecordDraft,
  type Transform,
} from '../../domain/pipeline-definition.ts';
import type { FallbackSourceDefinition } from '../../domain/source-definition.ts';
import { assertCurrencyCodes } from '../ecb/source.ts';
import { frankfurterRateSchema, frankfurterRates } from '../frankfurter/dataset.ts';
import { pairRates } from './rates.ts';
import { type FxRatesOptions, fxRatesSource } from './source.ts';

type RateSchema = typeof frankfurterRateSchema;

export interface FxRatesPipelineOptions
  extends Omit<PipelineOptions<RateSchema>, 'source' | 'transform' | 'into'> {
  /** @defaultValue the `fx_rates` dataset of the rate connectors */
  into?: DatasetDefinition<RateSchema> | string;
}

export interface FxRates {
  readonly base: string;
  readonly quotes: readonly string[];
  readonly source: FallbackSourceDefinition;
  /** The served document → one record per quote, whichever provider served it. */
  readonly transform: Transform<unknown, RecordDraft<RateSchema>>;
  readonly schema: RateSchema;
  readonly dataset: DatasetDefinition<RateSchema>;
  pipeline(name: string, options?: FxRatesPipelineOptions): PipelineDefinition;
}

/**
 * The chain and its transform for `base` → `quotes`. The ECB publishes euro rates only, so a
 * base other than EUR is crossed through EUR (see rates.ts for the precision); the other two
 * quote the base themselves. An answer lacking a pair fails its provider, and the next one is
 * asked. ConfigError for a code that is not three capital letters, no quotes, or the base among them.
 */
export function fxRates(options: FxRatesOptions): FxRates {
  const where = 'connectors.fxRates';
  const base = options?.base ?? 'EUR';
  const quotes = [...(options?.quotes ?? [])];
  assertCurrencyCodes(where, [base, ...quotes]);
  if (quotes.length === 0)
    throw new ConfigError(`${where}: give at least one quote currency, e.g. quotes: ['USD']`);
  if (quotes.includes(base))
    throw new ConfigError(
      `${where}: ${base} is the base; a base→base rate is always 1, leave it out of quotes`,
    );
  if (new Set(quotes).size !== quotes.length) throw new ConfigError(`${where}: quotes name a currency twice`);
  const source = fxRatesSource(base, quotes, options);
  const transform: FxRates['transform'] = (document, context) => {
    const { date, rates } = pairRates(context.origin.provider, document, base, quotes);
    // NaN cannot pass the schema: a pair the check let through without a rate is quarantined, not stored.
    return quotes.map((quote) => ({ date, base, quote, rate: rates.get(quote) }));
  };
  return {
    base,
    quotes,
    source,
    transform,
    schema: frankfurterRateSchema,
    dataset: frankfurterRates,
    pipeline: (name, pipelineOptions = {}) => {
      const { into, ...rest } = pipelineOptions;
      return pipeline(name, { ...rest, source, transform, into: into ?? frankfurterRates });
    },
  };
}

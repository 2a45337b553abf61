// The fxRates chain: the ECB, then ExchangeRate-API, then Frankfurter, each refusing an answer
// that lacks an asked pair so that the chain moves on instead of storing a partial day.
import {
  type FallbackSourceDefinition,
  fallback,
  type HttpSourceDefinition,
} from '../../domain/source-definition.ts';
import { ecbSource } from '../ecb/source.ts';
import { erapiSource } from '../erapi/source.ts';
import { frankfurterSource } from '../frankfurter/source.ts';
import { FxProvider, missingPairs } from './rates.ts';

export interface FxRatesOptions {
  /** Units of each quote are given per one `base`. @defaultValue 'EUR' */
  base?: string;
  /** The quote currencies, at least one, the base not among them. */
  quotes: readonly string[];
  /** Other hosts per provider (mirrors, a test server): the connectors' `baseUrl`. */
  baseUrls?: { readonly ecb?: string; readonly erapi?: string; readonly frankfurter?: string };
}

/** The provider's own checks first, then the asked pairs: each check sees the parsed document. */
function requiringPairs(
  source: HttpSourceDefinition,
  base: string,
  quotes: readonly string[],
): HttpSourceDefinition {
  const own = source.check.record;
  return {
    ...source,
    check: {
      ...source.check,
      record: (document) => own?.(document) ?? missingPairs(source.name, document, base, quotes),
    },
  };
}

/** ECB → ExchangeRate-API → Frankfurter for `base` → `quotes`; options are checked by fxRates(). */
export function fxRatesSource(
  base: string,
  quotes: readonly string[],
  options: FxRatesOptions,
): FallbackSourceDefinition {
  const urls = options.baseUrls ?? {};
  return fallback(
    requiringPairs(ecbSource({ baseUrl: urls.ecb, name: FxProvider.ecb }), base, quotes),
    requiringPairs(erapiSource({ base, baseUrl: urls.erapi, name: FxProvider.erapi }), base, quotes),
    requiringPairs(
      frankfurterSource({ base, symbols: quotes, baseUrl: urls.frankfurter, name: FxProvider.frankfurter }),
      base,
      quotes,
    ),
  );
}

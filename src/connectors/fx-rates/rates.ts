// One provider's answer → the asked pairs' rates: straight from ExchangeRate-API and Frankfurter,
// crossed through EUR from the ECB when the base is not EUR.
import type { TransformContext } from '../../domain/pipeline-definition.ts';
import { ecbTransform } from '../ecb/transform.ts';
import { erapiTransform } from '../erapi/transform.ts';
import { frankfurterTransform } from '../frankfurter/transform.ts';

/** The provider names fxRates gives its chain (each keys that upstream's breaker, shared with its connector's). */
export const FxProvider = { ecb: 'ecb', erapi: 'erapi', frankfurter: 'frankfurter' } as const;
export type FxProvider = (typeof FxProvider)[keyof typeof FxProvider];

/**
 * Significant digits of a cross rate: one more than the ECB's usual five, so this rounding (at most
 * 1 part in 200,000) stays about a tenth of what the ECB's own rounding of the two rates leaves.
 */
export const CROSS_RATE_DIGITS = 6;

export interface PairRates {
  /** The day the rates are from, as the provider dates them; undefined when it gave none. */
  readonly date: unknown;
  /** Units of each quote for one base; NaN where the provider has no rate for it. */
  readonly rates: ReadonlyMap<string, number>;
}

type Draft = { date?: unknown; base?: unknown; quote?: unknown; rate?: unknown };

const draftsOf = (out: unknown): Draft[] => (Array.isArray(out) ? out : out ? [out] : []) as Draft[];

/** A positive finite number, or NaN: an absent or broken rate must not become 0 or null. */
const rateOf = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : Number.NaN;

/**
 * The ECB's newest day, as euro rates, then each quote per one `base`: `EUR→quote / EUR→base`
 * (`1 / EUR→base` for EUR itself), rounded to CROSS_RATE_DIGITS significant digits. The ECB's
 * rates have 5 or 6 significant digits, so a cross rate is as good as the coarser of its two
 * rates: 1.1252 USD is ±0.00005, about 1 part in 22,500.
 */
function ecbPairs(
  document: unknown,
  base: string,
  quotes: readonly string[],
  context: TransformContext,
): PairRates {
  const drafts = draftsOf(ecbTransform(document, context));
  // The daily file has one day; a history file's newest is the latest rate.
  const date = drafts
    .map((draft) => draft.date)
    .filter((day): day is string => typeof day === 'string')
    .sort()
    .at(-1);
  const euro = new Map<string, number>([['EUR', 1]]);
  for (const draft of drafts) if (draft.date === date) euro.set(String(draft.quote), rateOf(draft.rate));
  const perBase = euro.get(base) ?? Number.NaN;
  const rates = new Map<string, number>();
  for (const quote of quotes) {
    const perEuro = euro.get(quote) ?? Number.NaN;
    rates.set(quote, base === 'EUR' ? perEuro : Number((perEuro / perBase).toPrecision(CROSS_RATE_DIGITS)));
  }
  return { date, rates };
}

/**
 * ExchangeRate-API and Frankfurter quote any base themselves: their rates are taken as sent, if
 * the answer's base is the one asked (a rate per another base would be stored under the wrong pair).
 */
function directPairs(drafts: Draft[], base: string, quotes: readonly string[]): PairRates {
  const ofBase = drafts.filter((draft) => draft.base === base);
  const byQuote = new Map(ofBase.map((draft) => [String(draft.quote), rateOf(draft.rate)]));
  return {
    date: ofBase[0]?.date,
    rates: new Map(quotes.map((quote) => [quote, byQuote.get(quote) ?? Number.NaN])),
  };
}

/** What `provider`'s answer says of `base` → each of `quotes`. */
export function pairRates(
  provider: string,
  document: unknown,
  base: string,
  quotes: readonly string[],
): PairRates {
  const context: TransformContext = { origin: { provider }, params: {} };
  switch (provider) {
    case FxProvider.ecb:
      return ecbPairs(document, base, quotes, context);
    case FxProvider.erapi:
      return directPairs(draftsOf(erapiTransform(document, context)), base, quotes);
    case FxProvider.frankfurter:
      return directPairs(draftsOf(frankfurterTransform(document, context)), base, quotes);
    default:
      return { date: undefined, rates: new Map(quotes.map((quote) => [quote, Number.NaN])) };
  }
}

/** Why an answer cannot serve the asked pairs (a quote or the base it lacks), or undefined. */
export function missingPairs(
  provider: string,
  document: unknown,
  base: string,
  quotes: readonly string[],
): string | undefined {
  const { rates } = pairRates(provider, document, base, quotes);
  const missing = quotes.filter((quote) => Number.isNaN(rates.get(quote)));
  if (missing.length === 0) return undefined;
  return `no ${base} rate for ${missing.join(', ')} in the answer`;
}

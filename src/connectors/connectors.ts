// Every shipped connector by upstream name: what `connectors` of the public API holds.
import { ecb } from './ecb/ecb.ts';
import { erapi } from './erapi/erapi.ts';
import { frankfurter } from './frankfurter/frankfurter.ts';
import { fxRates } from './fx-rates/fx-rates.ts';
import { infoclimat } from './infoclimat/infoclimat.ts';
import { openMeteo } from './openmeteo/openmeteo.ts';
import { pioupiou } from './pioupiou/pioupiou.ts';
import { quotes } from './quotes/quotes.ts';
import { stooq } from './stooq/stooq.ts';
import { twelvedata } from './twelvedata/twelvedata.ts';
import { wu } from './wu/wu.ts';
import { yahoo } from './yahoo/yahoo.ts';

export const connectors = {
  ecb,
  erapi,
  frankfurter,
  fxRates,
  infoclimat,
  openMeteo,
  pioupiou,
  quotes,
  stooq,
  twelvedata,
  wu,
  yahoo,
} as const;

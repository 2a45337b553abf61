// Every shipped connector by upstream name: what `connectors` of the public API holds.
import { ecb } from './ecb/ecb.ts';
import { erapi } from './erapi/erapi.ts';
import { frankfurter } from './frankfurter/frankfurter.ts';
import { fxRates } from './fx-rates/fx-rates.ts';
import { infoclimat } from './infoclimat/infoclimat.ts';
import { openMeteo } from './openmeteo/openmeteo.ts';
import { pioupiou } from './pioupiou/pioupiou.ts';
import { wu } from './wu/wu.ts';

export const connectors = { ecb, erapi, frankfurter, fxRates, infoclimat, openMeteo, pioupiou, wu } as const;

// Every shipped connector by upstream name: what `connectors` of the public API holds.
import { ecb } from './ecb/ecb.ts';
import { erapi } from './erapi/erapi.ts';
import { frankfurter } from './frankfurter/frankfurter.ts';
import { fxRates } from './fx-rates/fx-rates.ts';

export const connectors = { ecb, erapi, frankfurter, fxRates } as const;

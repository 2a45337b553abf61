// Every shipped connector by upstream name: what `connectors` of the public API holds.
import { frankfurter } from './frankfurter/frankfurter.ts';
import { quotes } from './quotes/quotes.ts';
import { stooq } from './stooq/stooq.ts';
import { twelvedata } from './twelvedata/twelvedata.ts';
import { yahoo } from './yahoo/yahoo.ts';

export const connectors = { frankfurter, yahoo, stooq, twelvedata, quotes } as const;

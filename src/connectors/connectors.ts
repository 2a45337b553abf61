// Every shipped connector by upstream name: what `connectors` of the public API holds.
import { frankfurter } from './frankfurter/frankfurter.ts';
import { infoclimat } from './infoclimat/infoclimat.ts';
import { openMeteo } from './openmeteo/openmeteo.ts';
import { pioupiou } from './pioupiou/pioupiou.ts';
import { wu } from './wu/wu.ts';

export const connectors = { frankfurter, infoclimat, openMeteo, pioupiou, wu } as const;

// Every shipped connector by upstream name: what `connectors` of the public API holds.
import { frankfurter } from './frankfurter/frankfurter.ts';
import { openMeteo } from './openmeteo/openmeteo.ts';

export const connectors = { frankfurter, openMeteo } as const;

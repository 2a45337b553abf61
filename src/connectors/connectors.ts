// Every shipped connector by upstream name: what `connectors` of the public API holds.
import { frankfurter } from './frankfurter/frankfurter.ts';

export const connectors = { frankfurter } as const;

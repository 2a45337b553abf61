// The id a route takes in its path: a full UUID or the short prefix the CLI prints, checked the same
// way on every route so a malformed id is a 400 everywhere (not a 404 on some routes).
import { z } from 'zod';

const ID_TEXT = /^[0-9a-f-]+$/i;
/** Mirrors MIN_ID_PREFIX of the store's resolver: the shortest prefix the CLI prints and takes. */
const MIN_HEX = 8;

export function idParam(thing: 'run' | 'backfill') {
  return z
    .string()
    .refine((text) => ID_TEXT.test(text) && text.replaceAll('-', '').length >= MIN_HEX, {
      error: `not a ${thing} id: give a UUID or a prefix of at least ${MIN_HEX} hexadecimal characters`,
    })
    .describe(`${thing} id: a UUID or a unique prefix of at least ${MIN_HEX} hex characters`);
}

// SQL identifiers that come from user definitions: one allow-list and one quoting helper.
import { ConfigError } from './errors.ts';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/**
 * Lower-case names every JavaScript object already has (`__proto__`, `constructor`): as a record
 * key they reach the object's prototype instead of holding a value, so no column may have them.
 */
const OBJECT_PROPERTY_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype).filter(isIdentifier));

/** Throws a ConfigError naming `what` when `name` is not a safe lower-case identifier. */
export function assertIdentifier(name: string, what: string): void {
  if (OBJECT_PROPERTY_NAMES.has(name)) {
    throw new ConfigError(
      `${what} "${name}" cannot be used: every JavaScript object has a property of that name, so ` +
        `records could not carry it as a value; rename it (e.g. "${name.replaceAll('_', '')}_value").`,
    );
  }
  if (!isIdentifier(name)) {
    throw new ConfigError(
      `${what} "${name}" is not a valid name: use lower-case letters, digits and underscores, ` +
        'starting with a letter or underscore, at most 63 characters (e.g. "weather_observations").',
    );
  }
}

/** Double-quotes an identifier that passed the allow-list; anything else is a programming error. */
export function quoteIdent(name: string): string {
  if (!isIdentifier(name))
    throw new Error(`refusing to quote unchecked SQL identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}

// Strict option objects: an unknown key is a ConfigError naming where, the key and the closest valid key.
import { ConfigError } from './errors.ts';

/** Edit distance (insertions, deletions, substitutions) between two strings. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidate nearest to `input`, compared case-insensitively, or undefined when none is
 * close enough (more than half of the longer name would have to change).
 */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = levenshtein(input.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === undefined) return undefined;
  return bestDistance <= Math.max(2, Math.ceil(Math.max(input.length, best.length) / 2)) ? best : undefined;
}

/** The message for one unknown key: `where: unknown option "k" (did you mean "key"?)`. */
export function unknownOptionMessage(where: string, key: string, allowed: readonly string[]): string {
  const suggestion = closestMatch(key, allowed);
  const hint =
    suggestion === undefined
      ? `valid options: ${allowed.map((name) => `"${name}"`).join(', ')}`
      : `did you mean "${suggestion}"?`;
  return `${where}: unknown option "${key}" (${hint})`;
}

/**
 * Throws a ConfigError for the first own key of `options` that is not in `allowed`. Anything
 * that is not a plain object is left to the caller's own checks.
 */
export function assertKnownKeys(where: string, options: unknown, allowed: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return;
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new ConfigError(unknownOptionMessage(where, key, allowed));
  }
}

/**
 * The option names of `T`, written once as an object so the compiler rejects a missing or
 * misspelled name: `optionKeys<HttpSourceOptions>({ url: true, ... })`.
 */
export function optionKeys<T extends object>(
  keys: { [K in keyof Required<T> & string]: true },
): readonly string[] {
  return Object.keys(keys);
}

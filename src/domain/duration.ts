// Human durations in definitions ('26h', '15m', '7d', '90s', '1d12h') as milliseconds.
import { ConfigError } from './errors.ts';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** Parses '26h', '1d12h', '90s'; throws a ConfigError naming `where` for anything else. */
export function parseDuration(where: string, text: string): number {
  const compact = typeof text === 'string' ? text.replace(/\s+/g, '') : '';
  let total = 0;
  let consumed = 0;
  for (const match of compact.matchAll(PART)) {
    if (match.index !== consumed) break;
    total += Number(match[1]) * (UNITS[match[2] as string] as number);
    consumed += match[0].length;
  }
  if (compact === '' || consumed !== compact.length || total <= 0) {
    throw new ConfigError(
      `${where}: "${String(text)}" is not a duration; write e.g. '26h', '15m', '7d' or '1d12h'`,
    );
  }
  return total;
}

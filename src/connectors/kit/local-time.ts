// Wall-clock text (`2025-10-26T02:30`, `2025-10-26 02:30:00`) → UTC, through the engine's own zone
// math (domain/partition-window.ts), so connectors and partitions agree on every DST edge.
import { instantOfLocal, type LocalDateTime } from '../../domain/partition-window.ts';

// Date, optional time (T or space, seconds and fraction optional), optional Z or ±HH:MM.
const LOCAL_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

export interface ParsedLocalTime {
  readonly local: LocalDateTime;
  /** Milliseconds past `local.second`. */
  readonly millis: number;
  /** `Z` or `±HH:MM` when the text names its own offset. */
  readonly offset: string | undefined;
}

/**
 * Reads `YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|±HH:MM]`; undefined for anything else, including a
 * calendar day that does not exist (`2025-02-30`) or an hour past 23.
 */
export function parseLocalTime(text: string): ParsedLocalTime | undefined {
  const match = LOCAL_TEXT.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = match[7] === undefined ? 0 : Math.floor(Number(`0.${match[7]}`) * 1000);
  return { local: { year, month, day, hour, minute, second }, millis, offset: match[8] };
}

/** The same reading taken as UTC: what a fixed offset is subtracted from. */
export function wallClockAsUtcMs(parsed: ParsedLocalTime): number {
  const { year, month, day, hour, minute, second } = parsed.local;
  return Date.UTC(year, month - 1, day, hour, minute, second, parsed.millis);
}

function offsetMs(offset: string): number {
  if (offset === 'Z') return 0;
  const digits = offset.replace(':', '');
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return (offset.startsWith('-') ? -1 : 1) * minutes * 60_000;
}

/**
 * The UTC instant of a wall-clock time in an IANA zone (`Europe/Berlin`). Across DST, as the
 * partition windows do it:
 * - a time the spring change skips (`2026-03-29T02:30` in Berlin) is the instant the clocks
 *   jumped past it, as if read on the old offset: 01:30Z (03:30 CEST);
 * - a time the autumn change repeats (`2026-10-25T02:30`) is its first occurrence, 00:30Z
 *   (CEST). Text that carries its offset (`2026-10-25T02:30+01:00`) picks the second, 01:30Z.
 * Text that is not a date-time gives an Invalid Date, so a schema refuses the record with its
 * raw value. An unknown zone throws the RangeError of `Intl`.
 */
export function localTimeToUtc(text: string, zone: string): Date {
  const parsed = parseLocalTime(text);
  if (parsed === undefined) return new Date(Number.NaN);
  if (parsed.offset !== undefined) return new Date(wallClockAsUtcMs(parsed) - offsetMs(parsed.offset));
  return new Date(instantOfLocal(parsed.local, zone) + parsed.millis);
}

// The text encodings sources read, and the `encoding` option that names one.
import { ConfigError } from './errors.ts';

/**
 * How text bytes are decoded. `utf-8` is checked: an invalid byte fails the read rather than
 * becoming U+FFFD in stored data. Legacy files (Latin-1, Windows-1252) must say so.
 */
export const TextEncodingName = {
  utf8: 'utf-8',
  latin1: 'latin1',
  windows1252: 'windows-1252',
  utf16le: 'utf-16le',
} as const;
export type TextEncodingName = (typeof TextEncodingName)[keyof typeof TextEncodingName];

/** The encoding option, checked: undefined stays undefined (the default applies where it is read). */
export function encodingOption(label: string, value: unknown): TextEncodingName | undefined {
  if (value === undefined) return undefined;
  const known = Object.values(TextEncodingName) as string[];
  if (typeof value !== 'string' || !known.includes(value)) {
    throw new ConfigError(
      `${label}: encoding must be one of ${known.map((name) => `'${name}'`).join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as TextEncodingName;
}

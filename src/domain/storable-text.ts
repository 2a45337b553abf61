// What PostgreSQL cannot store in text and jsonb columns (NUL, unpaired surrogates), found per field.
import type { RecordIssue } from './source-item.ts';

export const StorableTextIssueCode = {
  /** U+0000: text and jsonb refuse it (SQLSTATE 22021), which would fail the whole batch. */
  nulCharacter: 'nul_character',
  /** A lone UTF-16 surrogate: jsonb refuses it and text would silently store U+FFFD instead. */
  unpairedSurrogate: 'unpaired_surrogate',
} as const;

/** Walks so deep at most: jsonb itself refuses documents nested deeper than this. */
const MAX_DEPTH = 10_000;

function textIssue(
  text: string,
  path: ReadonlyArray<string | number>,
  what: string,
): RecordIssue | undefined {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    return {
      path,
      code: StorableTextIssueCode.nulCharacter,
      message: `${what} contains a NUL character (U+0000) at offset ${nul}; PostgreSQL cannot store it. Remove or replace it in the transform`,
    };
  }
  if (!text.isWellFormed()) {
    return {
      path,
      code: StorableTextIssueCode.unpairedSurrogate,
      message: `${what} contains an unpaired UTF-16 surrogate; it is not valid Unicode text. Fix the source's encoding or replace it in the transform`,
    };
  }
  return undefined;
}

/**
 * The first unstorable string of one field value, nested strings and object keys included,
 * as an issue at its path (`['payload', 'tags', 2]`); undefined when every string is storable.
 */
export function findUnstorableText(
  value: unknown,
  path: ReadonlyArray<string | number>,
): RecordIssue | undefined {
  if (typeof value === 'string') return textIssue(value, path, 'the value');
  if (value === null || typeof value !== 'object' || path.length > MAX_DEPTH) return undefined;
  if (value instanceof Date) return undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const issue = findUnstorableText(item, [...path, index]);
      if (issue) return issue;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const keyIssue = textIssue(key, [...path, key], 'the object key');
    if (keyIssue) return keyIssue;
    const issue = findUnstorableText(item, [...path, key]);
    if (issue) return issue;
  }
  return undefined;
}

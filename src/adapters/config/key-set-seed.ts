// Reads a key set file (a seed declared in the config, or `sluice keys <set> import <file>`): a JSON
// array of `{ key, …attributes }` or a CSV with a `key` column, checked whole before anything is stored.
import { readFile } from 'node:fs/promises';
import { type Info, parse } from 'csv-parse/sync';
import { UsageError } from '../../domain/errors.ts';
import { assertKeySetEntries, SeedFormat, seedFormatOf } from '../../domain/key-set.ts';
import type { KeyEntry } from '../../domain/partition-definition.ts';

/**
 * The keys of a `.json` or `.csv` file. `shown` names the file in messages (a path relative to the
 * project). A malformed file is a UsageError naming the file, the line or index, and the field.
 */
export async function readKeySetFile(path: string, shown = path): Promise<KeyEntry[]> {
  const format = seedFormatOf(path);
  if (!format) throw new UsageError(`${shown}: a key set file must be .json or .csv`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(
      code === 'ENOENT' ? `${shown}: no such file` : `${shown}: cannot read it (${(error as Error).message})`,
      { cause: error },
    );
  }
  return format === SeedFormat.json ? parseJsonKeys(text, shown) : parseCsvKeys(text, shown);
}

export function parseJsonKeys(text: string, shown: string): KeyEntry[] {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new UsageError(`${shown}: not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!Array.isArray(document)) {
    throw new UsageError(
      `${shown}: expected a JSON array of keys such as [{ "key": "annecy", "romma_id": "74010" }]`,
    );
  }
  return assertKeySetEntries(shown, document, { layout: 'flat', locate: (index) => `${shown} [${index}]` });
}

interface CsvRow {
  record: string[];
  info: Info;
}

export function parseCsvKeys(text: string, shown: string): KeyEntry[] {
  let rows: CsvRow[];
  try {
    // With `info` each row comes with the line it ends on, for messages.
    rows = parse(text, { bom: true, info: true, skip_empty_lines: true, trim: true }) as unknown as CsvRow[];
  } catch (error) {
    throw new UsageError(`${shown}: not valid CSV: ${(error as Error).message}`, { cause: error });
  }
  const [head, ...body] = rows;
  const header = head?.record ?? [];
  if (!header.includes('key')) {
    throw new UsageError(
      `${shown}: the header row needs a "key" column (found: ${header.join(', ') || 'nothing'}), e.g. key,romma_id,lat,lon`,
    );
  }
  const repeated = header.find((name, index) => header.indexOf(name) !== index);
  if (repeated !== undefined)
    throw new UsageError(`${shown}: column "${repeated}" appears twice in the header`);
  // An empty cell means the key has no such attribute: a CSV has no other way to leave one out.
  const items = body.map(({ record }) => {
    const item: Record<string, unknown> = {};
    header.forEach((name, index) => {
      const cell = record[index] ?? '';
      if (name === 'key' || cell !== '') Object.defineProperty(item, name, { value: cell, enumerable: true });
    });
    return item;
  });
  return assertKeySetEntries(shown, items, {
    layout: 'flat',
    locate: (index) => `${shown} line ${body[index]?.info.lines ?? index + 2}`,
  });
}

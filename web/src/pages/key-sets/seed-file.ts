// A seed file read in the browser, in the format `sluice seed` and `sluice keys <set> import` read
// (src/adapters/config/key-set-seed.ts): a JSON array of `{ key, …attributes }`, or a CSV with a
// header row holding a `key` column, an empty cell leaving that attribute out. Only the file's shape
// is checked here; the keys and attributes themselves are checked by the API, which names each entry.
import type { KeyInput } from '../../api/types.ts';

export type SeedFileError =
  | { code: 'unknown_format' }
  | { code: 'invalid_json'; detail: string }
  | { code: 'not_an_array' }
  | { code: 'not_an_object'; at: string }
  | { code: 'invalid_csv'; line: number }
  | { code: 'record_length'; line: number; fields: number; columns: number }
  | { code: 'no_key_column'; found: string }
  | { code: 'repeated_column'; column: string };

/** A CSV record's last line (from 1, as csv-parse counts), or a JSON entry's index. */
export type SeedLocation = { line: number } | { index: number };

export type SeedFile =
  | {
      ok: true;
      format: 'json' | 'csv';
      /** In the API's nested layout: `{ key, attributes }`. */
      keys: KeyInput[];
      /** Where each key is in the file, for the API's messages about `body.keys[i]`. */
      locations: SeedLocation[];
    }
  | { ok: false; error: SeedFileError };

export function parseSeedFile(name: string, text: string): SeedFile {
  const lower = name.toLowerCase();
  const body = text.replace(/^\uFEFF/, '');
  if (lower.endsWith('.json')) return parseJsonSeed(body);
  if (lower.endsWith('.csv')) return parseCsvSeed(body);
  return { ok: false, error: { code: 'unknown_format' } };
}

function parseJsonSeed(text: string): SeedFile {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: { code: 'invalid_json', detail: (error as Error).message } };
  }
  if (!Array.isArray(document)) return { ok: false, error: { code: 'not_an_array' } };
  const keys: KeyInput[] = [];
  for (const [index, item] of document.entries()) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      return { ok: false, error: { code: 'not_an_object', at: `[${index}]` } };
    }
    const { key, ...attributes } = item as Record<string, unknown>;
    // Sent as the file has them: a key or value of the wrong type comes back as the API's 400.
    keys.push({ key, attributes } as KeyInput);
  }
  return { ok: true, format: 'json', keys, locations: keys.map((_, index) => ({ index })) };
}

interface CsvRecord {
  cells: string[];
  /** The line the record ends on, from 1, as csv-parse counts it. */
  line: number;
}

/**
 * RFC 4180 with the CLI's csv-parse options: cells trimmed outside quotes, empty lines skipped,
 * quotes only around a whole cell; a malformed quote gives its line instead.
 */
export function parseCsv(text: string): { records: CsvRecord[] } | { badLine: number } {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let inQuotes = false;
  let afterQuote = false;
  let line = 1;
  const endCell = () => {
    cells.push(quoted ? cell : cell.trim());
    cell = '';
    quoted = false;
    afterQuote = false;
  };
  const endRecord = () => {
    endCell();
    const blank = cells.length === 1 && cells[0] === '';
    if (!blank) records.push({ cells, line });
    cells = [];
  };
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inQuotes) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (char === '"') {
        inQuotes = false;
        afterQuote = true;
      } else {
        if (char === '\n') line++;
        cell += char;
      }
    } else if (char === ',') {
      endCell();
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index++;
      endRecord();
      line++;
    } else if (afterQuote) {
      if (char !== ' ' && char !== '\t') return { badLine: line };
    } else if (char === '"') {
      // A quote opens a cell only at its start (after blanks, which trimming drops).
      if (cell.trim() !== '') return { badLine: line };
      cell = '';
      quoted = true;
      inQuotes = true;
    } else {
      cell += char;
    }
  }
  if (inQuotes) return { badLine: line };
  if (cell !== '' || quoted || cells.length > 0) endRecord();
  return { records };
}

function parseCsvSeed(text: string): SeedFile {
  const parsed = parseCsv(text);
  if ('badLine' in parsed) return { ok: false, error: { code: 'invalid_csv', line: parsed.badLine } };
  const [head, ...body] = parsed.records;
  const header = head?.cells ?? [];
  if (!header.includes('key'))
    return { ok: false, error: { code: 'no_key_column', found: header.join(', ') } };
  const repeated = header.find((name, index) => header.indexOf(name) !== index);
  if (repeated !== undefined) return { ok: false, error: { code: 'repeated_column', column: repeated } };
  const keys: KeyInput[] = [];
  for (const record of body) {
    if (record.cells.length !== header.length) {
      const error = { line: record.line, fields: record.cells.length, columns: header.length };
      return { ok: false, error: { code: 'record_length', ...error } };
    }
    const attributes: Record<string, string> = {};
    let key = '';
    header.forEach((name, index) => {
      const value = record.cells[index] ?? '';
      if (name === 'key') key = value;
      // Defined, not assigned: a column named "__proto__" stays an attribute, as on the server.
      else if (value !== '') Object.defineProperty(attributes, name, { value, enumerable: true });
    });
    keys.push({ key, attributes });
  }
  return { ok: true, format: 'csv', keys, locations: body.map((record) => ({ line: record.line })) };
}

/**
 * The API's 400 detail as one line per issue, each `body.keys[i]` followed by what `locate` says of
 * entry i (where it is in the file), e.g. `body.keys[2] (sites.csv line 4), field "key": …`.
 */
export function issuesOf(detail: string, locate?: (index: number) => string | undefined): string[] {
  return detail.split(/; (?=body\.keys)/).map((issue) =>
    locate
      ? issue.replace(/body\.keys(?:\[(\d+)\]|\.(\d+))/g, (whole, bracket?: string, dotted?: string) => {
          const at = locate(Number(bracket ?? dotted));
          return at === undefined ? whole : `${whole} (${at})`;
        })
      : issue,
  );
}

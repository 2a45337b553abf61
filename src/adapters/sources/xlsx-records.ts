// Streams one worksheet of an .xlsx workbook as records keyed by its first row.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { ErrorCode, SourceError } from '../../domain/errors.ts';
import { type XlsxOptions, xlsxDefaults } from '../../domain/source-definition.ts';
import type { RecordOrigin, SourceChunk } from '../../domain/source-item.ts';
import { asFormatError, ChunkBuilder, describeOrigin, formatError } from './byte-input.ts';
import { UnpackGuard } from './unpack-limit.ts';

/** The parts of exceljs' streaming readers used here; its typings leave out `name` and `model`. */
interface StreamedRow {
  readonly number: number;
  readonly values: unknown;
}

interface StreamedWorksheet extends AsyncIterable<StreamedRow> {
  readonly name: string;
}

interface StreamedWorkbook extends AsyncIterable<StreamedWorksheet> {
  readonly model?: { sheets?: ReadonlyArray<{ name: string }> };
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

async function assertZip(path: string, where: string): Promise<void> {
  const handle = await open(path, 'r').catch((error: Error) => {
    throw new SourceError(ErrorCode.source, `cannot read ${where}: ${error.message}`, {
      retryable: false,
      cause: error,
    });
  });
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead < 4 || !buffer.equals(ZIP_MAGIC)) {
      const start = JSON.stringify(buffer.subarray(0, bytesRead).toString('latin1'));
      throw formatError(
        `${where} is not a valid .xlsx workbook (not a zip archive): it starts with ${start}`,
      );
    }
  } finally {
    await handle.close();
  }
}

/** Plain values from exceljs cells: rich text → text, formula → result, hyperlink → text. */
export function cellValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || value instanceof Date) return value;
  if ('richText' in value && Array.isArray(value.richText)) {
    return value.richText.map((run: { text?: unknown }) => String(run.text ?? '')).join('');
  }
  if ('formula' in value || 'sharedFormula' in value) {
    return cellValue((value as { result?: unknown }).result);
  }
  if ('hyperlink' in value && 'text' in value) return cellValue(value.text);
  // A cell error such as #N/A stays visible as its text, so validation reports it.
  if ('error' in value) return String(value.error);
  return value;
}

function isEmpty(value: unknown): boolean {
  return value === null || value === '';
}

function headerNames(values: readonly unknown[]): string[] {
  const names: string[] = [];
  for (let column = 1; column < values.length; column++) {
    const value = cellValue(values[column]);
    names.push(
      isEmpty(value) ? `column_${column}` : String(value instanceof Date ? value.toISOString() : value),
    );
  }
  return names;
}

function sheetMatches(
  wanted: string | number,
  sheet: StreamedWorksheet,
  position: number,
  order?: readonly string[],
) {
  if (typeof wanted === 'string') return sheet.name === wanted;
  // Tab order from workbook.xml when known; otherwise the order worksheets sit in the archive.
  return order ? order[wanted - 1] === sheet.name : position === wanted;
}

/**
 * The workbook's worksheets, refusing to read at all when the guard did not see exceljs pipe the
 * file into its zip parser (which it does as soon as reading starts): nothing would be counted.
 */
async function* countedSheets(
  workbook: StreamedWorkbook,
  guard: UnpackGuard,
  where: string,
): AsyncGenerator<StreamedWorksheet> {
  const unguarded = () =>
    new SourceError(
      ErrorCode.internal,
      `${where} was not read: the size it unpacks to cannot be limited (has the exceljs version changed?)`,
    );
  const sheets = workbook[Symbol.asyncIterator]();
  const first = sheets.next();
  if (!guard.attached) {
    first.catch(() => undefined);
    throw unguarded();
  }
  try {
    for (let next = await first; !next.done; next = await sheets.next()) {
      if (guard.entries === 0) throw unguarded();
      yield next.value;
    }
  } finally {
    await sheets.return?.(undefined);
  }
}

/**
 * Yields one record per non-empty row after the header row, with `origin.line` = the row number
 * and `origin.sheet` = the worksheet's name.
 */
export async function* xlsxRecords(
  path: string,
  origin: RecordOrigin,
  options: XlsxOptions = {},
): AsyncGenerator<SourceChunk> {
  const where = describeOrigin(origin);
  await assertZip(path, where);
  // exceljs is the heaviest import of all (~0.3 s): loaded by the first workbook read, not by every command.
  const { default: ExcelJS } = await import('exceljs');
  const wanted = options.sheet ?? 1;
  const stream = createReadStream(path);
  // An .xlsx is a zip: a small file can unpack to gigabytes, which exceljs would hold in memory.
  const guard = new UnpackGuard(
    where,
    {
      total: options.maxUnpackedBytes ?? xlsxDefaults.maxUnpackedBytes,
      entry: options.maxEntryUnpackedBytes ?? xlsxDefaults.maxEntryUnpackedBytes,
    },
    {
      total: 'the source option xlsx.maxUnpackedBytes',
      entry: 'the source option xlsx.maxEntryUnpackedBytes',
    },
  );
  guard.watch(stream);
  // styles are needed to tell dates from numbers; hyperlinks and entries are not.
  const workbook = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  }) as unknown as StreamedWorkbook;
  const seen: string[] = [];
  let found = false;
  try {
    let position = 0;
    for await (const sheet of countedSheets(workbook, guard, where)) {
      position++;
      seen.push(sheet.name);
      if (
        !sheetMatches(
          wanted,
          sheet,
          position,
          workbook.model?.sheets?.map((entry) => entry.name),
        )
      )
        continue;
      found = true;
      yield* sheetRecords(sheet, { ...origin, sheet: sheet.name }, guard);
      break;
    }
  } catch (error) {
    if (guard.violation) throw guard.violation;
    throw asFormatError(error, (message) => `${where} is not a valid .xlsx workbook: ${message}`);
  } finally {
    stream.destroy();
  }
  if (guard.violation) throw guard.violation;
  if (!found) {
    const names = workbook.model?.sheets?.map((entry) => entry.name) ?? seen;
    const requested =
      typeof wanted === 'string' ? `no worksheet named "${wanted}"` : `no worksheet number ${wanted}`;
    throw new SourceError(
      ErrorCode.sourceFormat,
      `${where} has ${requested}; its worksheets are: ${names.map((name) => `"${name}"`).join(', ') || 'none'}`,
    );
  }
}

async function* sheetRecords(
  sheet: StreamedWorksheet,
  origin: RecordOrigin,
  guard: UnpackGuard,
): AsyncGenerator<SourceChunk> {
  const chunk = new ChunkBuilder();
  let header: string[] | undefined;
  for await (const row of sheet) {
    // exceljs gives a sparse array indexed from 1 (column A).
    const values = Array.isArray(row.values) ? (row.values as unknown[]) : [];
    if (header === undefined) {
      if (values.every((value) => isEmpty(cellValue(value)))) continue;
      header = headerNames(values);
      continue;
    }
    const record: Record<string, unknown> = {};
    let empty = true;
    const width = Math.max(header.length, values.length - 1);
    for (let column = 1; column <= width; column++) {
      const value = cellValue(values[column]);
      if (!isEmpty(value)) empty = false;
      const key = header[column - 1] ?? `column_${column}`;
      if (key === '__proto__') {
        Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        record[key] = value;
      }
    }
    if (empty) continue;
    chunk.record(record, { ...origin, line: row.number });
    // Rows of a worksheet cut short at the limit are never handed over.
    if (guard.violation) throw guard.violation;
    if (chunk.full) yield chunk.take();
  }
  if (guard.violation) throw guard.violation;
  const rest = chunk.take();
  if (rest.length > 0) yield rest;
}

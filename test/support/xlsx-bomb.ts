// Hand-built .xlsx zips whose entries unpack far beyond their packed size, with honest or lying headers.
import { writeFile } from 'node:fs/promises';
import { crc32, deflateRawSync } from 'node:zlib';

interface ZipEntry {
  name: string;
  data: Buffer;
  /** The uncompressed size written in the headers; the true size unless a test wants a lie. */
  declaredSize?: number;
}

/** A zip of deflated entries, with local headers, a central directory and its end record. */
export function zipArchive(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const packed = deflateRawSync(entry.data, { level: 9 });
    const crc = crc32(entry.data);
    const size = entry.declaredSize ?? entry.data.byteLength;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.byteLength, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.byteLength, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.byteLength, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.byteLength, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.byteLength + name.byteLength + packed.byteLength;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.byteLength, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const CONTENT_TYPES = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`;
const ROOT_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`;
const WORKBOOK = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>`;
const WORKBOOK_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`;
const SHEET = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row></sheetData></worksheet>`;

/** sharedStrings.xml holding `strings` strings of `length` repeated letters: `strings * length` bytes unpacked. */
function sharedStrings(strings: number, length: number): Buffer {
  const item = Buffer.from(`<si><t>${'A'.repeat(length)}</t></si>`);
  const head = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${strings}" uniqueCount="${strings}">`,
  );
  return Buffer.concat([head, ...Array.from({ length: strings }, () => item), Buffer.from('</sst>')]);
}

export interface XlsxBombOptions {
  /** Unpacked size of sharedStrings.xml, in bytes (rounded to whole 1 MiB strings). */
  unpackedBytes: number;
  /** Write a small uncompressed size into the headers, as a crafted file would. */
  lie?: boolean;
  /**
   * Put the bulk in the worksheet instead, stored before the workbook parts: exceljs then copies
   * the worksheet to a temporary file until it knows the shared strings.
   */
  inWorksheet?: boolean;
}

/** A valid one-sheet workbook whose sharedStrings.xml unpacks to about `unpackedBytes`. */
export async function writeXlsxBomb(file: string, options: XlsxBombOptions): Promise<number> {
  const declaredSize = options.lie ? 1000 : undefined;
  const strings = sharedStrings(
    options.inWorksheet ? 2 : Math.max(2, Math.round(options.unpackedBytes / 2 ** 20)),
    options.inWorksheet ? 8 : 2 ** 20,
  );
  const parts = [
    { name: '[Content_Types].xml', data: Buffer.from(CONTENT_TYPES) },
    { name: '_rels/.rels', data: Buffer.from(ROOT_RELS) },
    { name: 'xl/workbook.xml', data: Buffer.from(WORKBOOK) },
    { name: 'xl/_rels/workbook.xml.rels', data: Buffer.from(WORKBOOK_RELS) },
    {
      name: 'xl/sharedStrings.xml',
      data: strings,
      declaredSize: options.inWorksheet ? undefined : declaredSize,
    },
  ];
  const sheet = options.inWorksheet
    ? {
        name: 'xl/worksheets/sheet1.xml',
        data: Buffer.from(
          SHEET.replace('<sheetData>', `<!--${' '.repeat(options.unpackedBytes)}--><sheetData>`),
        ),
        declaredSize,
      }
    : { name: 'xl/worksheets/sheet1.xml', data: Buffer.from(SHEET) };
  const zip = zipArchive(options.inWorksheet ? [sheet, ...parts] : [...parts, sheet]);
  await writeFile(file, zip);
  return zip.byteLength;
}

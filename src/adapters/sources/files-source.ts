// The files source: lists a directory with a glob and reads each file with the reader its format needs.
import { createReadStream } from 'node:fs';
import { glob, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, SourceError } from '../../domain/errors.ts';
import { type FileFormat, type FilesSourceDefinition, formatOfFile } from '../../domain/source-definition.ts';
import type { RecordOrigin, SourceChunk } from '../../domain/source-item.ts';
import type { SourceContext } from '../../engine/ports.ts';
import type { ByteInput } from './byte-input.ts';
import { csvRecords } from './csv-records.ts';
import { jsonRecords } from './json-records.ts';
import { ndjsonRecords } from './ndjson-records.ts';
import { asUtf8 } from './text-encoding.ts';
import { xlsxRecords } from './xlsx-records.ts';

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function assertDirectory(source: FilesSourceDefinition, dir: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch (error) {
    const reason =
      errnoCode(error) === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    throw new SourceError(ErrorCode.source, `files source "${source.name}": directory ${dir} ${reason}`, {
      retryable: false,
      cause: error,
    });
  }
  if (!isDirectory) {
    throw new SourceError(ErrorCode.source, `files source "${source.name}": ${dir} is not a directory`);
  }
}

/** The files under `dir` matching the glob, as paths relative to `dir`, in code-unit order. */
export async function listFiles(dir: string, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of glob(pattern, { cwd: dir, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    // A symlink counts when it points at a file.
    const isFile =
      entry.isFile() || (entry.isSymbolicLink() && (await stat(full).catch(() => undefined))?.isFile());
    if (isFile) found.push(path.relative(dir, full));
  }
  return found.sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
}

/** File bytes with read failures (permissions, a file removed meanwhile) reported as source errors. */
async function* fileBytes(file: string, shown: string, signal: AbortSignal): ByteInput {
  const stream = createReadStream(file, { signal });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (error) {
    if (signal.aborted)
      throw new SourceError(ErrorCode.cancelled, `reading ${shown} was cancelled`, {
        retryable: false,
        cause: error,
      });
    throw new SourceError(ErrorCode.source, `cannot read ${shown}: ${(error as Error).message}`, {
      retryable: false,
      cause: error,
    });
  } finally {
    stream.destroy();
  }
}

function readFile(
  source: FilesSourceDefinition,
  file: string,
  format: FileFormat,
  origin: RecordOrigin,
  context: SourceContext,
): AsyncIterable<SourceChunk> {
  const { signal } = context;
  const shown = origin.file ?? file;
  const text = () => asUtf8(fileBytes(file, shown, signal), source.encoding, shown);
  const lines = { maxLineBytes: source.maxLineBytes, limitOption: 'the source option maxLineBytes' };
  switch (format) {
    case 'json':
      return jsonRecords(text(), source.records, origin, context.onWarning);
    case 'ndjson':
      return ndjsonRecords(text(), source.records, origin, lines, context.onWarning);
    case 'csv': {
      const delimiter = source.csv.delimiter ?? (shown.toLowerCase().endsWith('.tsv') ? '\t' : ',');
      return csvRecords(text(), origin, { delimiter, ...lines });
    }
    case 'xlsx':
      return xlsxRecords(file, origin, source.xlsx);
  }
}

function isInside(realDir: string, realFile: string): boolean {
  const relative = path.relative(realDir, realFile);
  return (
    relative !== '' &&
    !relative.startsWith(`..${path.sep}`) &&
    relative !== '..' &&
    !path.isAbsolute(relative)
  );
}

/**
 * The real path of each listed file, all checked before any is read: a file that resolves
 * outside the real `dir` (a symlink, a symlinked folder, a glob that climbs out) fails the run.
 */
async function confinedPaths(source: FilesSourceDefinition, dir: string, names: readonly string[]) {
  const realDir = await realpath(dir);
  const confined = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    const real = await realpath(file).catch((error: unknown) => {
      throw new SourceError(ErrorCode.source, `files source "${source.name}": cannot resolve ${file}`, {
        retryable: false,
        cause: error,
      });
    });
    if (!isInside(realDir, real)) {
      throw new SourceError(
        ErrorCode.source,
        `files source "${source.name}": ${file} resolves to ${real}, outside the source directory ${realDir}; ` +
          'sluice reads only files inside `dir` (copy the file into it, or point `dir` at where the files really are)',
        { retryable: false },
      );
    }
    confined.set(name, real);
  }
  return confined;
}

export async function* readFilesSource(
  source: FilesSourceDefinition,
  context: SourceContext,
): AsyncGenerator<SourceChunk> {
  const dir = path.resolve(context.baseDir, source.dir);
  await assertDirectory(source, dir);
  const files = await listFiles(dir, source.glob);
  if (files.length === 0)
    context.logger.warn({ dir, glob: source.glob }, 'files source: no file matches the glob');
  const realPaths = await confinedPaths(source, dir, files);
  for (const name of files) {
    if (context.signal.aborted) return;
    const file = realPaths.get(name) ?? path.join(dir, name);
    const shown = path.relative(context.baseDir, path.join(dir, name)).split(path.sep).join('/');
    const format = source.format ?? formatOfFile(name);
    if (format === undefined) {
      context.logger.warn(
        { file: shown },
        'files source: skipping a file with no known format (use `format`)',
      );
      continue;
    }
    context.logger.debug({ file: shown, format }, 'reading file');
    yield* readFile(source, file, format, { provider: source.name, file: shown }, context);
  }
}

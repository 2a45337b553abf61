// Where a config failed to load: file, line and column from what Node reports, and the line itself.
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SourceLocation {
  file: string;
  line: number;
  /** 1-based, in characters of the source line. */
  column: number;
  /** Width of the caret Node drew under the offending token, at least 1. */
  width: number;
}

const TAB_STOP = 4;

function toPath(reference: string): string | undefined {
  const path = reference.startsWith('file://') ? fileURLToPath(reference) : reference;
  return isAbsolute(path) ? path : undefined;
}

function visualWidth(text: string): number {
  let width = 0;
  for (const char of text) width = char === '\t' ? (Math.floor(width / TAB_STOP) + 1) * TAB_STOP : width + 1;
  return width;
}

/** The character index at a display column: Node's TypeScript snippets expand tabs to stops of 4. */
function indexAtVisual(line: string, target: number): number {
  let width = 0;
  for (let index = 0; index < line.length; index += 1) {
    if (width >= target) return index;
    width = line[index] === '\t' ? (Math.floor(width / TAB_STOP) + 1) * TAB_STOP : width + 1;
  }
  return line.length;
}

/**
 * Syntax errors (V8's, and those of Node's TypeScript stripping) carry no column property:
 * their stack starts with `path:line`, a snippet and a caret line. Errors thrown while the
 * module runs carry it in their first stack frame outside `ownDir`.
 */
function parseLocation(error: unknown, ownDir: string): (SourceLocation & { caret?: string }) | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (stack === undefined) return undefined;
  const lines = stack.split('\n');
  const header = /^(.+):(\d+)$/.exec(lines[0] ?? '');
  const headerFile = header?.[1] === undefined ? undefined : toPath(header[1]);
  if (header && headerFile) {
    const caret = lines.slice(1).find((line) => /^\s*\^+\s*$/.test(line));
    return { file: headerFile, line: Number(header[2]), column: 0, width: 1, caret };
  }
  for (const frame of lines) {
    const match = /^\s+at (?:.*\()?(file:\/\/[^)]+):(\d+):(\d+)\)?$/.exec(frame);
    if (!match?.[1]) continue;
    const file = toPath(match[1]);
    if (file === undefined || file.startsWith(ownDir)) continue;
    return { file, line: Number(match[2]), column: Number(match[3]), width: 1 };
  }
  return undefined;
}

/** The location of a load error and the offending source line read from disk, when Node reported one. */
export async function locateLoadError(
  error: unknown,
  ownDir: string,
): Promise<{ location: SourceLocation; source: string | undefined } | undefined> {
  const parsed = parseLocation(error, ownDir);
  if (parsed === undefined) return undefined;
  let source: string | undefined;
  try {
    source = (await readFile(parsed.file, 'utf8')).split(/\r?\n/)[parsed.line - 1];
  } catch {
    source = undefined;
  }
  const { caret, ...location } = parsed;
  if (caret !== undefined) {
    const start = caret.indexOf('^');
    location.width = caret.lastIndexOf('^') - start + 1;
    location.column =
      source === undefined ? start + 1 : indexAtVisual(source, visualWidth(caret.slice(0, start))) + 1;
  }
  return { location, source };
}

/** `file:line:column`, or `file:line` when the column is unknown. */
export function formatLocation(location: SourceLocation): string {
  const column = location.column > 0 ? `:${location.column}` : '';
  return `${location.file}:${location.line}${column}`;
}

/** The source line under its number, and a caret under the column. */
export function formatSnippet(location: SourceLocation, source: string): string {
  const gutter = String(location.line);
  const text = source.replace(/\s+$/, '');
  const lines = [`  ${gutter} | ${text}`];
  if (location.column > 0) {
    const pad = [...text.slice(0, location.column - 1)].map((char) => (char === '\t' ? '\t' : ' ')).join('');
    lines.push(`  ${' '.repeat(gutter.length)} | ${pad}${'^'.repeat(Math.max(1, location.width))}`);
  }
  return lines.join('\n');
}

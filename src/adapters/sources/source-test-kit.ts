// Shared helpers for the source readers' tests: a quiet context, draining readers, temp dirs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceChunk, SourceItem } from '../../domain/source-item.ts';
import type { Logger, SourceContext } from '../../engine/ports.ts';

/** test/fixtures/sources, small inputs written for these tests. */
export const SOURCE_FIXTURES = fileURLToPath(new URL('../../../test/fixtures/sources/', import.meta.url));

export interface LoggedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  object: object;
  message: string | undefined;
}

/** A Logger that keeps what it is given, so tests can check warnings (and that secrets stay out). */
export function recordingLogger(lines: LoggedLine[] = []): Logger & { lines: LoggedLine[] } {
  const logger = {
    lines,
    debug: (object: object, message?: string) => void lines.push({ level: 'debug', object, message }),
    info: (object: object, message?: string) => void lines.push({ level: 'info', object, message }),
    warn: (object: object, message?: string) => void lines.push({ level: 'warn', object, message }),
    error: (object: object, message?: string) => void lines.push({ level: 'error', object, message }),
    child: () => logger,
  };
  return logger;
}

export function testContext(overrides: Partial<SourceContext> = {}): SourceContext {
  return {
    baseDir: SOURCE_FIXTURES,
    params: {},
    signal: new AbortController().signal,
    logger: recordingLogger(),
    ...overrides,
  };
}

export async function collectChunks(chunks: AsyncIterable<SourceChunk>): Promise<SourceChunk[]> {
  const all: SourceChunk[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

export async function collectItems(chunks: AsyncIterable<SourceChunk>): Promise<SourceItem[]> {
  return (await collectChunks(chunks)).flat();
}

/** Drains a reader, returning the items read before it failed and the error it failed with. */
export async function collectUntilError(
  chunks: AsyncIterable<SourceChunk>,
): Promise<{ items: SourceItem[]; error: unknown }> {
  const items: SourceItem[] = [];
  try {
    for await (const chunk of chunks) items.push(...chunk);
  } catch (error) {
    return { items, error };
  }
  return { items, error: undefined };
}

export function recordValues(items: readonly SourceItem[]): unknown[] {
  return items.flatMap((item) => (item.kind === 'record' ? [item.value] : []));
}

/** Runs `body` with a fresh directory under the OS temp dir, removed afterwards. */
export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-sources-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

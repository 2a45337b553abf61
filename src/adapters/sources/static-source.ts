// The static source: fixed records marked with their provider `static:<name>` and the date they are from.
import type { StaticSourceDefinition } from '../../domain/source-definition.ts';
import type { SourceChunk } from '../../domain/source-item.ts';
import type { SourceContext } from '../../engine/ports.ts';
import { CHUNK_SIZE } from './byte-input.ts';

export async function* readStaticSource(
  source: StaticSourceDefinition,
  context: SourceContext,
): AsyncGenerator<SourceChunk> {
  context.logger.warn(
    { provider: source.name, asOf: source.asOf },
    `serving the static values "${source.name}" as of ${source.asOf}`,
  );
  const origin = { provider: source.name, asOf: source.asOf };
  for (let start = 0; start < source.records.length; start += CHUNK_SIZE) {
    yield source.records
      .slice(start, start + CHUNK_SIZE)
      .map((value) => ({ kind: 'record' as const, value: structuredClone(value), origin }));
  }
}

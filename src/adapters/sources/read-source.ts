// The engine's SourceReader: dispatches a source definition to the reader for its kind.
import type { ProviderDefinition } from '../../domain/source-definition.ts';
import type { SourceChunk } from '../../domain/source-item.ts';
import type { SourceContext, SourceReader } from '../../engine/ports.ts';
import { readAsyncJobSource } from './async-job-source.ts';
import { readFallbackSource } from './fallback-source.ts';
import { readFilesSource } from './files-source.ts';
import { readHttpSource } from './http-source.ts';
import { createMemoryTokenCache } from './oauth2-token-cache.ts';
import { createMemoryProviderStore } from './provider-store.ts';
import { type ResilienceDeps, readResilientHttp } from './resilient-source.ts';
import { readStaticSource } from './static-source.ts';

/**
 * With `resilience`, every http provider call goes through its policies (breaker, retries,
 * limits) kept in that store; without, each provider is called once, as declared.
 */
export function createSourceReader(resilience?: ResilienceDeps): SourceReader {
  // Without a shared store, submission limits hold within this reader only.
  const asyncJobs = { store: resilience?.store ?? createMemoryProviderStore() };
  const tokens = createMemoryTokenCache();
  const deps = resilience && { ...resilience, tokens: resilience.tokens ?? tokens };
  const readProvider = (provider: ProviderDefinition, context: SourceContext): AsyncIterable<SourceChunk> => {
    switch (provider.kind) {
      case 'files':
        return readFilesSource(provider, context);
      case 'http':
        return deps ? readResilientHttp(provider, context, deps) : readHttpSource(provider, context, tokens);
      case 'static':
        return readStaticSource(provider, context);
      case 'asyncJob':
        return readAsyncJobSource(provider, context, asyncJobs);
    }
  };
  return (source, context) =>
    source.kind === 'fallback'
      ? readFallbackSource(source, context, readProvider)
      : readProvider(source, context);
}

/** Each provider called once, no shared state: for tests and tools outside an opened project. */
export const readSource: SourceReader = createSourceReader();

// The fallback chain: tries providers in order, skips those whose breaker is open, reports who served.
import { ErrorCode, errorCode, errorMessage, SourceError } from '../../domain/errors.ts';
import type { FallbackSourceDefinition, ProviderDefinition } from '../../domain/source-definition.ts';
import { ProviderOutcome, type SourceChunk } from '../../domain/source-item.ts';
import type { SourceContext } from '../../engine/ports.ts';
import { secretRedactor } from '../log/secret-redactor.ts';

export type ProviderReader = (
  provider: ProviderDefinition,
  context: SourceContext,
) => AsyncIterable<SourceChunk>;

/**
 * The first provider that delivers serves the run. Once a provider has handed over records, its
 * failure is the run's: switching then would mix two providers' records in one run.
 */
export async function* readFallbackSource(
  source: FallbackSourceDefinition,
  context: SourceContext,
  readProvider: ProviderReader,
): AsyncGenerator<SourceChunk> {
  const failures: string[] = [];
  const log = context.logger;
  for (const provider of source.providers) {
    let delivered = false;
    const served = () => {
      delivered = true;
      context.onProvider?.({
        provider: provider.name,
        outcome: ProviderOutcome.served,
        ...(provider.kind === 'static' ? { asOf: provider.asOf } : {}),
      });
      if (failures.length > 0) {
        log.warn(
          { provider: provider.name, chain: source.name },
          `"${provider.name}" serves "${source.name}" after: ${failures.join('; ')}`,
        );
      }
    };
    try {
      for await (const chunk of readProvider(provider, context)) {
        if (!delivered) served();
        yield chunk;
      }
      if (!delivered) served();
      return;
    } catch (error) {
      if (delivered || context.signal.aborted) throw error;
      const skipped = errorCode(error) === ErrorCode.breakerOpen;
      const message = secretRedactor.redact(errorMessage(error));
      context.onProvider?.({
        provider: provider.name,
        outcome: skipped ? ProviderOutcome.skipped : ProviderOutcome.failed,
        message,
      });
      log.warn(
        { provider: provider.name, chain: source.name, code: errorCode(error) },
        `"${provider.name}" ${skipped ? 'skipped' : 'failed'}: ${message}`,
      );
      failures.push(`${provider.name}: ${message}`);
    }
  }
  throw new SourceError(
    ErrorCode.source,
    `every provider of "${source.name}" failed: ${failures.join('; ')}`,
    {
      retryable: false,
    },
  );
}

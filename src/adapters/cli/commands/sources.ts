// `sluice sources [reset <name>]`: each source provider's breaker, stats and limits; close a breaker.
import { UsageError } from '../../../domain/errors.ts';
import { systemClock } from '../../../engine/ports.ts';
import type { SourceStatus } from '../../../engine/sources.ts';
import type { Command } from '../command.ts';
import { duration, json, summarizeMessage, table } from '../format.ts';
import { withSluice } from '../open.ts';

export function describeSources(sources: readonly SourceStatus[]): string {
  if (sources.length === 0) return 'no source providers are declared\n';
  const rows = sources.map((source) => [
    source.name,
    source.kind,
    source.breaker ? `${source.breaker.state}${source.breaker.enabled ? '' : ' (off)'}` : null,
    source.breaker?.consecutiveFailures ?? null,
    source.lastSuccess?.at ?? null,
    source.lastFailure ? `${source.lastFailure.at} ${summarizeMessage(source.lastFailure.message)}` : null,
    source.latencyMs.samples > 0
      ? `${duration(source.latencyMs.p50)} / ${duration(source.latencyMs.p90)} / ${duration(source.latencyMs.p99)}`
      : null,
    source.rateLimit
      ? `${source.rateLimit.used}/${source.rateLimit.requests} per ${duration(source.rateLimit.intervalMs)}`
      : null,
  ]);
  const notes = sources.flatMap((source) => [
    ...(source.breaker?.nextProbeAt
      ? [`${source.name}: breaker open, next probe after ${source.breaker.nextProbeAt}`]
      : []),
    ...(source.blockedUntil
      ? [`${source.name}: the upstream asked not to be called before ${source.blockedUntil}`]
      : []),
  ]);
  return `${table(
    [
      'provider',
      'kind',
      'breaker',
      'failures',
      'last success',
      'last failure',
      'latency p50/p90/p99',
      'rate limit',
    ],
    rows,
  )}\n${notes.length > 0 ? `\n${notes.join('\n')}\n` : ''}`;
}

export const sourcesCommand: Command = {
  name: 'sources',
  summary:
    'Show each source provider’s circuit breaker, failures, latency and rate-limit use, or reset a breaker.',
  usage: 'sources | sources reset <provider>',
  options: {},
  async run(args, io) {
    const [action, target] = args.positionals;
    if (action === 'reset') {
      if (!target)
        throw new UsageError('name the provider whose breaker to close: sluice sources reset <provider>');
      const result = await withSluice(args, io, (sluice) =>
        sluice.app.sources.reset(target, systemClock.now(), 'cli'),
      );
      io.stdout(
        args.json
          ? json(result)
          : `circuit breaker of "${result.provider}" closed (it was ${result.previousState.replace('_', '-')})\n`,
      );
      return 0;
    }
    if (action !== undefined)
      throw new UsageError(`unknown sources action "${action}" (use: reset <provider>)`);
    const sources = await withSluice(args, io, (sluice) => sluice.app.sources.list(systemClock.now()));
    io.stdout(args.json ? json({ sources }) : describeSources(sources));
    return 0;
  },
};

// What a trigger form's values send to POST /api/pipelines/:name/runs: the date picks the time
// window (`date`), the keys follow it in declaration order (`partition`), as the route combines them.
import type { PipelinePartitioning } from '../../api/types.ts';

export function triggerOptions(
  partitioning: PipelinePartitioning,
  date: string,
  keys: Readonly<Record<string, string>>,
): { date?: string; partition?: string } {
  const keyPart = partitioning.keys.map((dimension) => `${dimension.name}=${keys[dimension.name] ?? ''}`);
  return {
    ...(partitioning.time ? { date } : {}),
    ...(keyPart.length > 0 ? { partition: keyPart.join('|') } : {}),
  };
}

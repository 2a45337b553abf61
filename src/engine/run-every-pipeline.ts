// `run --all` and the main job: every pipeline of the config once, a partitioned one for each
// partition its schedule would run now.
import { type ErrorCode, errorCode, errorMessage, isSluiceError } from '../domain/errors.ts';
import { type KeySets, partitionsForTick } from '../domain/partition-set.ts';
import type { ResolvedPipeline } from '../domain/pipeline-definition.ts';
import type { Clock, RunReport } from './ports.ts';

/** A pipeline, or one partition of it, that could not be run; the others still ran. */
export interface NotRun {
  pipeline: string;
  /** Set when the pipeline's partitions are known and this one failed to start. */
  partitionKey?: string;
  code: ErrorCode | string;
  reason: string;
}

export interface EveryPipelineResult {
  runs: RunReport[];
  notRun: NotRun[];
}

export interface EveryPipelinePorts {
  pipelines: Iterable<ResolvedPipeline>;
  keySets(pipeline: ResolvedPipeline): Promise<KeySets>;
  run(name: string, options: { dryRun: boolean; partition?: string }): Promise<RunReport>;
  clock: Clock;
}

/**
 * Runs each pipeline in config order. A partitioned pipeline runs the tick-target partition of
 * `now` for every key, one run each. A pipeline or partition that cannot run (an empty key set,
 * a time range that has not started, a partition its templates cannot fill) is reported with its
 * reason and the others still run. Errors that are not sluice's own (the database is gone) stop
 * everything, as they would stop every later run too.
 */
export async function runEveryPipeline(
  ports: EveryPipelinePorts,
  options: { dryRun: boolean; onRun?: (report: RunReport) => void; onNotRun?: (notRun: NotRun) => void },
): Promise<EveryPipelineResult> {
  const result: EveryPipelineResult = { runs: [], notRun: [] };
  const notRun = (entry: NotRun) => {
    result.notRun.push(entry);
    options.onNotRun?.(entry);
  };
  const attempt = async (pipeline: ResolvedPipeline, partition: string | undefined) => {
    try {
      const report = await ports.run(pipeline.name, {
        dryRun: options.dryRun,
        ...(partition === undefined ? {} : { partition }),
      });
      result.runs.push(report);
      options.onRun?.(report);
    } catch (error) {
      if (!isSluiceError(error)) throw error;
      notRun({
        pipeline: pipeline.name,
        ...(partition === undefined ? {} : { partitionKey: partition }),
        code: error.code,
        reason: error.message,
      });
    }
  };
  for (const pipeline of ports.pipelines) {
    const partitioning = pipeline.partitioning;
    if (!partitioning) {
      await attempt(pipeline, undefined);
      continue;
    }
    const now = ports.clock.now();
    let keys: string[];
    try {
      keys = partitionsForTick(partitioning, now, await ports.keySets(pipeline)).map(
        (partition) => partition.key,
      );
    } catch (error) {
      if (!isSluiceError(error)) throw error;
      notRun({ pipeline: pipeline.name, code: errorCode(error), reason: errorMessage(error) });
      continue;
    }
    if (keys.length === 0) {
      const time = partitioning.time;
      const range = time
        ? `${time.start.toISOString()} to ${time.end?.toISOString() ?? 'open end'}`
        : 'no time range';
      notRun({
        pipeline: pipeline.name,
        code: 'no_partition',
        reason:
          `the ${partitioning.tickTarget} ${time?.every ?? ''} window of ${now.toISOString()} is outside its partitions (${range}); ` +
          `run one with \`sluice run ${pipeline.name} --partition <key>\` or --date`,
      });
      continue;
    }
    for (const key of keys) await attempt(pipeline, key);
  }
  return result;
}

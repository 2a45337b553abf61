// Replays a run's quarantine: its rejected records go through today's transform, schema and rules again.
import { resolvePartitionRun } from '../domain/partition-run.ts';
import type { KeySets } from '../domain/partition-set.ts';
import type { ResolvedPipeline } from '../domain/pipeline-definition.ts';
import { collectPipeline } from './collect-pipeline.ts';
import type { CollectPorts, RunReport } from './ports.ts';
import type { QuarantinedRecord, QuarantineQueries } from './quarantine.ts';

export interface ReplayResult {
  originalRunId: string;
  report: RunReport | undefined;
  replayed: number;
  notReplayable: number;
}

/**
 * Re-validates the quarantined records of a run with today's transform, schema and rules, and
 * writes those that pass, in a new run (`replay:<run id>`). Each record is replayed once; records
 * refused by the reader itself (a ragged CSV row) cannot be and stay pending.
 */
export type ReplayRun = (runId: string) => Promise<ReplayResult>;

export interface ReplayPorts {
  /** The run by its full id or a unique prefix. */
  getRun(idOrPrefix: string): Promise<{ id: string; pipeline: string; partitionKey: string | null }>;
  /** The pipeline of that name; a NotFoundError otherwise. */
  pipeline(name: string): ResolvedPipeline;
  keySets(pipeline: ResolvedPipeline): Promise<KeySets>;
  quarantine: Pick<QuarantineQueries, 'pending' | 'markReplayed'>;
  /** What a collect needs to write; its `readSource` is replaced by the quarantined items. */
  collectPorts(): CollectPorts;
  /** Keeps a running run's heartbeat until `stop`, so it is not taken for abandoned. */
  startHeartbeat(runId: string): { stop(): void };
  /** The directory relative paths of the config resolve against. */
  baseDir: string;
  /** Which process runs the replay (host:pid). */
  worker: string;
}

export function createReplayRun(ports: ReplayPorts): ReplayRun {
  return async (runId) => {
    const original = await ports.getRun(runId);
    // The transform sees the same partition parameters as in the original run.
    const definition = ports.pipeline(original.pipeline);
    const pipeline = resolvePartitionRun(
      definition,
      original.partitionKey ?? undefined,
      await ports.keySets(definition),
    ).pipeline;
    const pending = await ports.quarantine.pending(original.id);
    const replayable = pending.filter((record) => record.stage !== 'read');
    const notReplayable = pending.length - replayable.length;
    if (replayable.length === 0)
      return { originalRunId: original.id, report: undefined, replayed: 0, notReplayable };
    // Today's transform runs again on the source item as it was received, so a record that failed
    // for a reason that still holds fails again (another occurrence of the same quarantined record).
    // Rows stored before raw items were kept hold the transform's output: it is re-validated as is.
    // A source item that gave several quarantined outputs is transformed once.
    const items = new Map<string, QuarantinedRecord>();
    for (const record of replayable) {
      const { file, url, line, sheet } = record.origin;
      const key = record.rawKept
        ? JSON.stringify([file, url, line, sheet, record.raw])
        : `legacy:${record.id}`;
      if (!items.has(key)) items.set(key, record);
    }
    const sourceItems = [...items.values()];
    const transform = pipeline.transform;
    const legacy = new Set(replayable.filter((record) => !record.rawKept).map((record) => record.id));
    const replayPipeline: ResolvedPipeline = {
      ...pipeline,
      transform: (value, context) => {
        const mark = context.origin.quarantine;
        if ((mark !== undefined && legacy.has(mark.id)) || !transform) return value;
        return transform(value, context);
      },
    };
    const collectPorts = ports.collectPorts();
    const collect: CollectPorts = {
      ...collectPorts,
      readSource: async function* () {
        for (let start = 0; start < sourceItems.length; start += 1000) {
          yield sourceItems.slice(start, start + 1000).map((record) => ({
            kind: 'record' as const,
            value: record.rawKept ? record.raw : (record.record ?? record.raw),
            origin: { ...record.origin, quarantine: { id: record.id, stage: record.stage } },
          }));
        }
      },
    };
    const replayRunId = collectPorts.newRunId();
    const heartbeat = ports.startHeartbeat(replayRunId);
    const report = await collectPipeline(collect, replayPipeline, {
      ...(original.partitionKey === null ? {} : { partitionKey: original.partitionKey }),
      trigger: `replay:${original.id}`,
      baseDir: ports.baseDir,
      runId: replayRunId,
      worker: ports.worker,
    }).finally(() => heartbeat.stop());
    const replayed = await ports.quarantine.markReplayed(
      replayable.map((record) => record.id),
      report.runId,
    );
    return { originalRunId: original.id, report, replayed, notReplayable };
  };
}

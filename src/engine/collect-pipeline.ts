// Runs one pipeline once: read the source, transform, validate, write in batches, persist the run.
import { ErrorCode, errorCode, errorMessage, SluiceError } from '../domain/errors.ts';
import type { ResolvedPipeline } from '../domain/pipeline-definition.ts';
import type { RuleContext } from '../domain/quality-rules.ts';
import { validateRecord } from '../domain/record-validation.ts';
import { emptyCounts, errorRate, finalStatus, type RunErrorEntry } from '../domain/run-status.ts';
import type { ProviderAttempt, RecordOrigin, SourceItem } from '../domain/source-item.ts';
import type {
  CollectPorts,
  ExecutionStore,
  RejectedRecord,
  RunReport,
  RunWarning,
  UpstreamExecution,
} from './ports.ts';
import { QualityTally } from './quality-tally.ts';
import { WriteLanes } from './write-lanes.ts';

export interface CollectOptions {
  trigger: string;
  dryRun?: boolean;
  baseDir: string;
  signal?: AbortSignal;
  /** Rows per write statement. @defaultValue 5000 */
  batchSize?: number;
  /**
   * Concurrent writes, each on its own connection; rows are routed by key so one key is always
   * written by the same lane, in order. @defaultValue 1
   */
  writeLanes?: number;
  runId?: string;
  attempt?: number;
  worker?: string;
  jobId?: string;
  /** The partition collected; its parameters are already merged into the pipeline's `params`. */
  partitionKey?: string;
}

const REJECT_BATCH = 1000;
const PROGRESS_EVERY_MS = 1000;

export async function collectPipeline(
  ports: CollectPorts,
  pipeline: ResolvedPipeline,
  options: CollectOptions,
): Promise<RunReport> {
  const { clock, executions } = ports;
  const dataset = pipeline.into;
  const runId = options.runId ?? ports.newRunId();
  const signal = options.signal ?? new AbortController().signal;
  const batchSize = options.batchSize ?? 5000;
  const logger = ports.logger.child({ runId, pipeline: pipeline.name, dataset: dataset.name });
  const startedAt = clock.now();
  const run = { runId, pipeline: pipeline.name, dataset: dataset.name };
  const writer = ports.writerFor(dataset);
  const counts = emptyCounts();
  const tally = new QualityTally();
  const errors: RunErrorEntry[] = [];
  let provider: string | undefined;
  const providers: ProviderAttempt[] = [];
  let filtered = 0;
  let warned = 0;
  const warnings = new QualityTally(0);
  let sourceFailed = false;
  let writeFailed = false;
  let lastProgress = startedAt.getTime();
  const runWarnings: RunWarning[] = [];
  const warn = (warning: RunWarning) => {
    runWarnings.push(warning);
    logger.warn({ stage: 'warning', code: warning.code }, `${warning.code}: ${warning.message}`);
  };

  await ports.runs.start({
    id: runId,
    pipeline: pipeline.name,
    dataset: dataset.name,
    trigger: options.trigger,
    startedAt,
    attempt: options.attempt,
    worker: options.worker,
    jobId: options.jobId,
    partitionKey: options.partitionKey,
  });
  logger.info({ stage: 'start', trigger: options.trigger, dryRun: options.dryRun ?? false }, 'run started');

  const recordError = (error: unknown, stage: string) => {
    const entry: RunErrorEntry = {
      message: errorMessage(error),
      code: errorCode(error),
      at: clock.now().toISOString(),
    };
    if (error instanceof Error && error.stack) entry.stack = error.stack;
    errors.push(entry);
    logger.error({ stage, code: entry.code, err: error }, entry.message);
  };

  const keyIndexes = dataset.key.map((key) => dataset.columns.findIndex((column) => column.name === key));
  const lanes = new WriteLanes(writer, { keyIndexes, batchSize, lanes: options.writeLanes ?? 1 });
  let rejects: RejectedRecord[] = [];
  const syncWriteCounts = () => {
    counts.inserted = lanes.totals.inserted;
    counts.updated = lanes.totals.updated;
    counts.unchanged = lanes.totals.unchanged;
  };

  const flushRejects = async () => {
    if (rejects.length === 0) return;
    const batch = rejects;
    rejects = [];
    await ports.quarantine.add(run, batch);
  };

  // Past the cap a run keeps counting but stores nothing more, and stops reading after the chunk.
  let quarantineCapped = false;
  const reject = (record: RejectedRecord) => {
    counts.rejected++;
    tally.add(record);
    if (counts.rejected > dataset.maxQuarantined) quarantineCapped = true;
    else rejects.push(record);
  };

  const ruleContext: RuleContext = {
    now: startedAt,
    time: dataset.time,
    keyOf: (record) => JSON.stringify(dataset.key.map((key) => record[key])),
    seenKeys: new Set(),
  };
  // Above the dataset's maximum error rate the run fails and the batch that crossed it is not written.
  let qualityFailed = false;
  const errorRateExceeded = () =>
    dataset.maxErrorRate !== undefined && errorRate(counts) > dataset.maxErrorRate;
  const failOnErrorRate = async () => {
    if (qualityFailed || !errorRateExceeded()) return qualityFailed;
    qualityFailed = true;
    await lanes.discard();
    const rate = errorRate(counts);
    recordError(
      new SluiceError(
        ErrorCode.qualityErrorRate,
        `error rate ${(rate * 100).toFixed(1)} % (${counts.rejected} of ${counts.rejected + counts.valid} records) ` +
          `is above the dataset's maximum ${((dataset.maxErrorRate ?? 0) * 100).toFixed(1)} %: the run stopped and ` +
          `none of its ${counts.valid} valid records were written. Fix the source or the transform, then replay the quarantine.`,
      ),
      'quality',
    );
    return true;
  };

  const handleRecord = (item: Extract<SourceItem, { kind: 'record' }>) => {
    let outputs: unknown;
    try {
      outputs = pipeline.transform
        ? pipeline.transform(item.value, { origin: item.origin, params: pipeline.params })
        : item.value;
    } catch (error) {
      reject({
        raw: item.value,
        issues: [{ path: [], code: 'transform_error', message: errorMessage(error) }],
        origin: item.origin,
        stage: 'transform',
      });
      return;
    }
    if (outputs === null || outputs === undefined) {
      filtered++;
      return;
    }
    const list = Array.isArray(outputs) ? outputs : [outputs];
    if (list.length === 0) filtered++;
    counts.produced += list.length;
    for (const [index, output] of list.entries()) {
      const result = validateRecord(dataset, output, ruleContext);
      if (result.ok) {
        counts.valid++;
        lanes.add(result.row);
        if (result.warnings.length > 0) {
          warned++;
          warnings.add({ raw: output, issues: result.warnings, origin: item.origin, stage: 'rule' });
        }
      } else {
        reject({
          raw: item.value,
          record: output,
          ...(Array.isArray(outputs) ? { outputIndex: index } : {}),
          issues: result.issues,
          origin: item.origin,
          stage: result.stage,
        });
      }
    }
  };

  try {
    for await (const chunk of ports.readSource(pipeline.source, {
      baseDir: options.baseDir,
      params: pipeline.params,
      signal,
      logger: logger.child({ stage: 'fetch' }),
      clock,
      onProvider: (attempt) => providers.push(attempt),
      onWarning: (warning) => warn(warning),
      ...(executions ? { execution: upstreamExecution(executions, runId, options.jobId) } : {}),
    })) {
      let origin: RecordOrigin | undefined;
      for (const item of chunk) {
        if (quarantineCapped) break;
        counts.fetched++;
        origin = item.origin;
        if (item.kind === 'rejected') {
          reject({ raw: item.raw, issues: item.issues, origin: item.origin, stage: 'read' });
        } else handleRecord(item);
      }
      if (origin) provider = origin.provider;
      if (await failOnErrorRate()) break;
      if (quarantineCapped) break;
      await lanes.flushFull({ runId, provider: provider ?? pipeline.source.name });
      if (rejects.length >= REJECT_BATCH) await flushRejects();
      if (lanes.failed) break;
      const now = clock.now().getTime();
      if (now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now;
        syncWriteCounts();
        await ports.runs.progress(runId, { counts: { ...counts }, provider });
      }
      if (signal.aborted) break;
    }
  } catch (error) {
    sourceFailed = true;
    recordError(error, 'fetch');
  }
  // Valid records read before a source failure are still written: the counts say exactly what was.
  await failOnErrorRate();
  if (quarantineCapped) {
    recordError(
      new SluiceError(
        ErrorCode.quarantineCap,
        `quarantine cap of ${dataset.maxQuarantined} records reached after ${counts.rejected} rejected; ` +
          `the source is likely broken or the schema wrong. The run stopped reading; raise the dataset's ` +
          'maxQuarantined if this many rejections are expected.',
      ),
      'quality',
    );
  }
  if (
    !sourceFailed &&
    !signal.aborted &&
    counts.fetched > 0 &&
    counts.produced === 0 &&
    counts.rejected === 0
  ) {
    warn({
      code: 'no_records',
      message: `the source delivered ${counts.fetched} item(s) but the transform produced no record from them`,
    });
  }
  await lanes.drain({ runId, provider: provider ?? pipeline.source.name });
  if (lanes.failed) {
    writeFailed = true;
    recordError(lanes.failure, 'write');
  }
  syncWriteCounts();
  try {
    await flushRejects();
  } catch (error) {
    writeFailed = true;
    recordError(error, 'quarantine');
  }

  const finishedAt = clock.now();
  const durationMs = finishedAt.getTime() - startedAt.getTime();
  const status = finalStatus({
    sourceFailed: sourceFailed || writeFailed || qualityFailed || quarantineCapped,
    cancelled: signal.aborted,
    counts,
  });
  const report: RunReport = {
    runId,
    pipeline: pipeline.name,
    dataset: dataset.name,
    ...(options.partitionKey !== undefined ? { partitionKey: options.partitionKey } : {}),
    status,
    dryRun: options.dryRun ?? false,
    provider,
    ...(providers.length > 0 ? { providers } : {}),
    counts,
    filtered,
    duplicateKeys: lanes.totals.duplicateKeys,
    warnings: runWarnings,
    quality: {
      input: counts.fetched,
      produced: counts.produced,
      valid: counts.valid,
      rejected: counts.rejected,
      warned,
      errorRate: errorRate(counts),
      maxErrorRate: dataset.maxErrorRate ?? null,
      issues: tally.issues(),
      warnings: warnings.issues(),
      samples: tally.samples(),
    },
    errors,
    timings: {
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs,
      writeMs: Math.round(lanes.totals.writeMs),
    },
  };
  await ports.runs.finish(runId, {
    status,
    counts,
    duplicateKeys: report.duplicateKeys,
    provider,
    finishedAt,
    durationMs,
    errors,
    report,
  });
  logger.info({ stage: 'finish', status, ...counts, durationMs }, `run ${status}`);
  return report;
}

function upstreamExecution(
  store: ExecutionStore,
  runId: string,
  jobId: string | undefined,
): UpstreamExecution {
  return {
    runId,
    jobId,
    previous: () => store.previous({ runId, jobId }),
    save: (executionId) => store.save(runId, executionId),
  };
}

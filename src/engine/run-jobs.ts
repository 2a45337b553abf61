// The run queue as the engine sees it: jobs that carry a run to a worker (pg-boss implements it).

export type QueueKind = 'runs' | 'backfill';

export interface RunJobData {
  runId: string;
  pipeline: string;
  trigger: string;
  /** The partition to collect, for a partitioned pipeline. */
  partition?: string;
  /** The backfill this run belongs to; such jobs go to the backfill queue. */
  backfill?: string;
}

/** A job's state in the queue; `missing` once the queue has deleted it (or never had it). */
export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed' | 'missing';

export interface RunJob {
  id: string;
  data: RunJobData;
  /** 0 on the first attempt. */
  retryCount: number;
  signal: AbortSignal;
}

export interface RunJobs {
  /** Enqueues with the run id as the job id; returns it. A job with `backfill` goes to the backfill queue. */
  enqueue(data: RunJobData): Promise<string>;
  /** Enqueues many in one insert. An id that is already queued is left alone. */
  enqueueMany(jobs: readonly RunJobData[]): Promise<void>;
  work(kind: QueueKind, concurrency: number, handler: (job: RunJob) => Promise<void>): Promise<void>;
  /** Whether the queue holds a job with this id (in any state), in either queue. */
  hasJob(jobId: string): Promise<boolean>;
  jobState(kind: QueueKind, jobId: string): Promise<JobState>;
  /** Jobs waiting or running, for metrics. */
  depth(): Promise<{ queued: number; active: number }>;
  stop(options: { graceful: boolean; timeoutMs: number }): Promise<void>;
}

/** A backfill's runs are triggered `backfill:<id>`; their jobs belong on the backfill queue. */
export function backfillOfTrigger(trigger: string): { backfill?: string } {
  return trigger.startsWith('backfill:') ? { backfill: trigger.slice('backfill:'.length) } : {};
}

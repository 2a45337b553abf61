// Dispatch and launch against in-memory ports: no database, the engine's own rules only (one
// active run per slot, locks in slot order, a failed send fails the run, one launch per slot).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { dataset } from '../../src/domain/dataset-definition.ts';
import { ConflictError } from '../../src/domain/errors.ts';
import { defineConfig, pipeline } from '../../src/domain/pipeline-definition.ts';
import { files } from '../../src/domain/source-definition.ts';
import {
  createRunDispatch,
  type DispatchUnit,
  type RunDispatchStore,
} from '../../src/engine/run-dispatch.ts';
import type { RunJobData, RunJobs } from '../../src/engine/run-jobs.ts';
import { createRunPipeline } from '../../src/engine/run-pipeline.ts';
import type { RunDetail } from '../../src/engine/run-record.ts';

const obs = dataset('obs', {
  schema: z.object({ id: z.string(), at: z.coerce.date() }),
  key: ['id'],
  time: 'at',
});
const config = defineConfig({
  datasets: [obs],
  pipelines: ['alpha', 'beta', 'gamma'].map((name) =>
    pipeline(name, { source: files({ dir: '.' }), into: obs }),
  ),
});
const pipelineNamed = (name: string) => {
  const found = config.pipelines.get(name);
  if (!found) throw new Error(`no pipeline ${name}`);
  return found;
};

/** Runs as rows in memory; every unit records the slots it locked, in order. */
function memoryStore() {
  const runs: Array<{ id: string; pipeline: string; status: string; trigger: string }> = [];
  const locks: string[][] = [];
  const unit = (): DispatchUnit & { locked: string[] } => {
    const locked: string[] = [];
    locks.push(locked);
    return {
      locked,
      keySets: async () => new Map(),
      lockSlots: async (slots) => {
        locked.push(...slots);
      },
      activeRuns: async (slots) =>
        slots.flatMap((slot) => {
          const run = runs.findLast(
            (r) => r.pipeline === slot.pipeline && ['queued', 'running'].includes(r.status),
          );
          return run ? [{ pipeline: run.pipeline, id: run.id, status: run.status }] : [];
        }),
      nextPartitionAttempts: async (_pipeline, keys) => new Map(keys.map((key) => [key, 1])),
      enqueueRuns: async (rows) => {
        for (const row of rows) runs.push({ ...row, status: 'queued' });
      },
    };
  };
  const store: RunDispatchStore = {
    atomically: (work) => work(unit()),
    abandonJob: async (jobId) => {
      for (const run of runs) if (run.id === jobId) run.status = 'failed';
      return [jobId];
    },
    getRun: async (id) => ({ status: runs.find((run) => run.id === id)?.status }) as RunDetail,
  };
  return { runs, locks, store };
}

function memoryJobs(options: { failSend?: boolean } = {}) {
  const sent: RunJobData[] = [];
  const jobs: Pick<RunJobs, 'enqueue' | 'enqueueMany'> = {
    enqueue: async (data) => {
      if (options.failSend) throw new Error('queue down');
      sent.push(data);
      return data.runId;
    },
    enqueueMany: async (many) => {
      sent.push(...many);
    },
  };
  return { sent, jobs: jobs as RunJobs };
}

describe('run dispatch on in-memory ports', () => {
  const dispatchOn = (store: RunDispatchStore, launched: string[] = []) =>
    createRunDispatch({
      store,
      pipeline: pipelineNamed,
      abandonStaleRuns: async () => [],
      launch: (name, options) => {
        launched.push(`${name}:${options.runId}`);
        return { runId: options.runId };
      },
    });

  it('queues a run and sends its job; a second trigger while it is active is a conflict', async () => {
    const { runs, store } = memoryStore();
    const { sent, jobs } = memoryJobs();
    const dispatcher = dispatchOn(store).queued(jobs);
    const runId = await dispatcher.trigger('alpha', 'cli');
    assert.deepEqual(
      runs.map((run) => [run.id, run.status, run.trigger]),
      [[runId, 'queued', 'cli']],
    );
    assert.deepEqual(sent, [{ runId, pipeline: 'alpha', trigger: 'cli' }]);
    await assert.rejects(dispatcher.trigger('alpha', 'cli'), ConflictError);
  });

  it('fails the recorded run when its job cannot be sent', async () => {
    const { runs, store } = memoryStore();
    const { jobs } = memoryJobs({ failSend: true });
    await assert.rejects(dispatchOn(store).queued(jobs).trigger('alpha', 'api:x'), /queue down/);
    assert.deepEqual(
      runs.map((run) => run.status),
      ['failed'],
    );
  });

  it('in process, the recorded run is launched here', async () => {
    const { store } = memoryStore();
    const launched: string[] = [];
    const runId = await dispatchOn(store, launched).inProcess().trigger('beta', 'api:x');
    assert.deepEqual(launched, [`beta:${runId}`]);
  });

  it('a bulk trigger locks the slots in order, skips busy ones and sends the rest in one insert', async () => {
    const { locks, store } = memoryStore();
    const { sent, jobs } = memoryJobs();
    const dispatch = dispatchOn(store);
    const busy = await dispatch.queued(jobs).trigger('beta', 'cli');
    sent.length = 0;
    const result = await dispatch.triggerMany(
      jobs,
      [{ pipeline: 'gamma' }, { pipeline: 'beta' }, { pipeline: 'alpha' }],
      'bulk',
    );
    assert.deepEqual(locks.at(-1), ['alpha', 'beta', 'gamma']);
    assert.deepEqual(result.skipped, [{ pipeline: 'beta', activeRunId: busy }]);
    assert.deepEqual(
      result.queued.map((q) => q.pipeline),
      ['alpha', 'gamma'],
    );
    assert.deepEqual(
      sent.map((job) => [job.pipeline, job.trigger]),
      [
        ['alpha', 'bulk'],
        ['gamma', 'bulk'],
      ],
    );
  });

  it('waits for a terminal status', async () => {
    const { runs, store } = memoryStore();
    runs.push({ id: 'r1', pipeline: 'alpha', status: 'running', trigger: 'cli' });
    setTimeout(() => {
      const run = runs[0];
      if (run) run.status = 'succeeded';
    }, 20);
    assert.equal((await dispatchOn(store).wait('r1', 5000)).status, 'succeeded');
  });
});

describe('launch on in-memory ports', () => {
  it('allows one active launch per pipeline, frees it when the run ends, and settles', async () => {
    const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
    const running = createRunPipeline({
      pipeline: pipelineNamed,
      keySets: async () => new Map(),
      collectPorts: () => {
        throw new Error('not collected in this test');
      },
      rolledBack: async () => {
        throw new Error('not a dry run');
      },
      startHeartbeat: () => ({ stop() {} }),
      writeLanes: 1,
      baseDir: '.',
      worker: 'test:1',
      newRunId: () => 'r-1',
      logger: quiet,
    });
    // The collect ports throw at once: the run ends (rejects) right away, and the slot is freed.
    const first = running.launch('alpha');
    assert.throws(() => running.launch('alpha'), ConflictError);
    await assert.rejects(first.done, /not collected/);
    assert.equal(await running.settle(1000), true);
    const again = running.launch('alpha');
    await assert.rejects(again.done, /not collected/);
  });
});

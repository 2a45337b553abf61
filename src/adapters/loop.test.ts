// The loop helper: overlap guard, wakes during a tick, errors that do not end the loop, stop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger } from '../engine/ports.ts';
import { type LoopTimer, startLoop } from './loop.ts';

/** A timer ticked by hand: `fire()` runs every callback due, as setInterval would. */
function manualTimer() {
  const intervals = new Set<() => void>();
  const once = new Map<number, () => void>();
  const timer: LoopTimer = {
    every(_ms, tick) {
      intervals.add(tick);
      return () => intervals.delete(tick);
    },
    after(ms, tick) {
      once.set(ms, tick);
      return () => once.delete(ms);
    },
  };
  return {
    timer,
    fire: () => {
      for (const tick of intervals) tick();
    },
    fireAfter: (ms: number) => {
      const tick = once.get(ms);
      once.delete(ms);
      tick?.();
    },
    get active() {
      return intervals.size + once.size;
    },
  };
}

/** A tick that waits until released, counting how many began and how many run at once. */
function gatedRun() {
  const state = { begun: 0, concurrent: 0, max: 0 };
  let release: () => void = () => {};
  let waiters: Array<() => void> = [];
  const run = async () => {
    state.begun++;
    state.concurrent++;
    state.max = Math.max(state.max, state.concurrent);
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const waiter of waiters) waiter();
    waiters = [];
    await gate;
    state.concurrent--;
  };
  return {
    state,
    run,
    release: () => release(),
    /** Resolves once the next tick has begun. */
    nextStart: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
      }),
  };
}

function recordingLogger() {
  const lines: Array<{ level: string; object: object; message: string | undefined }> = [];
  const logger: Logger = {
    debug: (object, message) => lines.push({ level: 'debug', object, message }),
    info: (object, message) => lines.push({ level: 'info', object, message }),
    warn: (object, message) => lines.push({ level: 'warn', object, message }),
    error: (object, message) => lines.push({ level: 'error', object, message }),
    child: () => logger,
  };
  return { logger, lines };
}

describe('startLoop', () => {
  it('never starts a timer tick while the previous one runs', async () => {
    const clock = manualTimer();
    const gated = gatedRun();
    const loop = startLoop({ name: 'test', everyMs: 1000, run: gated.run, timer: clock.timer });
    const first = gated.nextStart();
    clock.fire();
    await first;
    clock.fire();
    clock.fire();
    assert.deepEqual(gated.state, { begun: 1, concurrent: 1, max: 1 });
    gated.release();
    await loop.stop();
    assert.deepEqual(gated.state, { begun: 1, concurrent: 0, max: 1 }, 'the skipped timer ticks did not run');
  });

  it('runs exactly one more tick for any number of wakes during a run, shared by all of them', async () => {
    const clock = manualTimer();
    const gated = gatedRun();
    const loop = startLoop({ name: 'test', everyMs: 1000, run: gated.run, timer: clock.timer });
    const first = gated.nextStart();
    const firstDone = loop.wake();
    await first;
    const second = gated.nextStart();
    const wakes = [loop.wake(), loop.wake(), loop.wake()];
    clock.fire();
    assert.equal(wakes[0], wakes[2], 'the wakes share the one queued tick');
    gated.release();
    await firstDone;
    await second;
    assert.equal(gated.state.begun, 2);
    gated.release();
    await Promise.all(wakes);
    assert.deepEqual(gated.state, { begun: 2, concurrent: 0, max: 1 });
    await loop.stop();
  });

  it('logs and publishes a failed tick with the loop name, and ticks again', async () => {
    const clock = manualTimer();
    const { logger, lines } = recordingLogger();
    const published: unknown[] = [];
    let calls = 0;
    const loop = startLoop({
      name: 'flaky check',
      everyMs: 1000,
      logger,
      level: 'warn',
      onError: (error) => published.push(error),
      run: async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
      },
      timer: clock.timer,
    });
    await loop.wake();
    await loop.wake();
    assert.equal(calls, 2, 'the loop ticked again after the failure');
    assert.equal(published.length, 1);
    assert.match(String(published[0]), /boom/);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.level, 'warn');
    assert.equal(lines[0]?.message, 'flaky check failed');
    assert.deepEqual(Object.keys(lines[0]?.object ?? {}), ['loop', 'err']);
    await loop.stop();
  });

  it('survives an error callback that throws', async () => {
    let calls = 0;
    const loop = startLoop({
      name: 'test',
      everyMs: 1000,
      onError: () => {
        throw new Error('callback');
      },
      run: async () => {
        calls++;
        throw new Error('tick');
      },
      timer: manualTimer().timer,
    });
    await loop.wake();
    await loop.wake();
    assert.equal(calls, 2);
    await loop.stop();
  });

  it('stop waits for the running tick and ends the timers', async () => {
    const clock = manualTimer();
    const gated = gatedRun();
    const loop = startLoop({
      name: 'test',
      everyMs: 1000,
      firstAfterMs: 60,
      run: gated.run,
      timer: clock.timer,
    });
    assert.equal(clock.active, 2);
    const first = gated.nextStart();
    clock.fireAfter(60);
    await first;
    let stopped = false;
    const stopping = loop.stop().then(() => {
      stopped = true;
    });
    assert.equal(clock.active, 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(stopped, false, 'stop waits while the tick runs');
    gated.release();
    await stopping;
    assert.equal(stopped, true);
    assert.equal(gated.state.concurrent, 0);
  });

  it('runs the first tick at once with firstAfterMs 0, and honours a wake after stop', async () => {
    let calls = 0;
    const loop = startLoop({
      name: 'test',
      everyMs: 1000,
      firstAfterMs: 0,
      run: async () => {
        calls++;
      },
      timer: manualTimer().timer,
    });
    await loop.stop();
    assert.equal(calls, 1);
    await loop.wake();
    assert.equal(calls, 2);
  });

  it('ticks on a real timer', async () => {
    let calls = 0;
    let ticked: () => void = () => {};
    const twice = new Promise<void>((resolve) => {
      ticked = resolve;
    });
    const loop = startLoop({
      name: 'test',
      everyMs: 2,
      run: async () => {
        if (++calls === 2) ticked();
      },
    });
    await twice;
    await loop.stop();
    assert.ok(calls >= 2);
  });
});

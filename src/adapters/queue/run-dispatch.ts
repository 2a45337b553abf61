// Starting runs moved to engine/run-dispatch.ts (`app.pipelines.dispatcher`); this keeps the one
// entry point the freshness route still calls until it takes its dispatcher from the app.
import type { RunDispatcher } from '../../engine/run-dispatch.ts';
import type { Sluice } from '../../main.ts';

export type { BulkTrigger, RunDispatcher, TriggerTarget } from '../../engine/run-dispatch.ts';

/** Triggers that run in this process: `sluice.app.pipelines.dispatcher()`. */
export function inProcessDispatcher(sluice: Sluice): RunDispatcher {
  return sluice.app.pipelines.dispatcher();
}

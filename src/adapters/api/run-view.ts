// What of a run each role may see: admins get everything, others no server internals.
import { roleAllows } from '../../domain/roles.ts';
import type { RunErrorEntry } from '../../domain/run-status.ts';
import type { RunRecord } from '../../engine/runs.ts';
import type { Principal } from './auth.ts';

/**
 * A run error as a viewer or analyst sees it: message and code. Stack traces name files and
 * internals of the server; they stay in its log and are shown to admins only.
 */
function withoutStack({ stack: _stack, ...entry }: RunErrorEntry): RunErrorEntry {
  return entry;
}

export function runForRole<T extends RunRecord & { report?: { errors: RunErrorEntry[] } | null }>(
  run: T,
  principal: Principal | undefined,
): T {
  if (principal && roleAllows(principal.role, 'admin')) return run;
  return {
    ...run,
    errors: run.errors.map(withoutStack),
    ...(run.report ? { report: { ...run.report, errors: run.report.errors.map(withoutStack) } } : {}),
  };
}

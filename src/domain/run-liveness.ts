// How often a run proves it is alive, and how long its silence is tolerated before it is abandoned.
import { ConfigError } from './errors.ts';

export interface RunLiveness {
  /** Milliseconds between a running run's heartbeats. SLUICE_RUN_HEARTBEAT_MS, default 10 000 (the queue's heartbeat). */
  heartbeatMs: number;
  /**
   * Milliseconds without a heartbeat after which a running run counts as dead (its process was
   * killed or lost its database) and is failed as `abandoned`. SLUICE_RUN_STALE_MS, default 60 000;
   * at least two heartbeats, so one slow heartbeat never kills a live run.
   */
  staleMs: number;
}

export const defaultRunLiveness: RunLiveness = { heartbeatMs: 10_000, staleMs: 60_000 };

function envMs(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 50)
    throw new ConfigError(`${name} must be a whole number of milliseconds ≥ 50, got "${raw}"`);
  return value;
}

export function runLivenessFromEnv(env: Record<string, string | undefined>): RunLiveness {
  const heartbeatMs = envMs(env, 'SLUICE_RUN_HEARTBEAT_MS', defaultRunLiveness.heartbeatMs);
  const staleMs = envMs(env, 'SLUICE_RUN_STALE_MS', Math.max(defaultRunLiveness.staleMs, heartbeatMs * 3));
  if (staleMs < heartbeatMs * 2)
    throw new ConfigError(
      `SLUICE_RUN_STALE_MS (${staleMs}) must be at least twice SLUICE_RUN_HEARTBEAT_MS (${heartbeatMs}): a live run would be abandoned between two heartbeats`,
    );
  return { heartbeatMs, staleMs };
}

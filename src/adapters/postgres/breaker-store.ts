// Circuit breakers and Retry-After deadlines in PostgreSQL: one row per provider, written by compare-and-set,
// each state change published as a breaker event in the same transaction.
import {
  type BreakerRecord,
  type BreakerState,
  breakerEventFor,
  closedBreaker,
  resetBreaker,
} from '../../domain/circuit-breaker.ts';
import type { StoredBreaker } from '../../engine/sources.ts';
import { secretRedactor } from '../log/secret-redactor.ts';
import type { ProviderState } from '../sources/provider-store.ts';
import type { Queryable } from './database.ts';
import type { BreakerEventPayload } from './event-store.ts';

interface BreakerRow {
  provider: string;
  state: BreakerState;
  consecutive_failures: number;
  window_started_at: Date | null;
  window_requests: number;
  window_failures: number;
  opened_at: Date | null;
  probe_started_at: Date | null;
  changed_at: Date;
  version: number | string;
  blocked_until: Date | null;
}

const COLUMNS = `provider, state, consecutive_failures, window_started_at, window_requests, window_failures,
  opened_at, probe_started_at, changed_at, version, blocked_until`;

function toRecord(row: BreakerRow): BreakerRecord {
  return {
    state: row.state,
    consecutiveFailures: row.consecutive_failures,
    windowStartedAt: row.window_started_at,
    windowRequests: row.window_requests,
    windowFailures: row.window_failures,
    openedAt: row.opened_at,
    probeStartedAt: row.probe_started_at,
    changedAt: row.changed_at,
    version: Number(row.version),
  };
}

export async function readBreaker(db: Queryable, provider: string, now: Date): Promise<ProviderState> {
  const { rows } = await db.query<BreakerRow>(
    `SELECT ${COLUMNS} FROM sluice.source_breakers WHERE provider = $1`,
    [provider],
  );
  const row = rows[0];
  if (!row) return { breaker: closedBreaker(now), blockedUntil: null };
  return { breaker: toRecord(row), blockedUntil: row.blocked_until };
}

/** Every provider with a stored breaker, by name. */
export async function listBreakers(db: Queryable): Promise<StoredBreaker[]> {
  const { rows } = await db.query<BreakerRow>(
    `SELECT ${COLUMNS} FROM sluice.source_breakers ORDER BY provider`,
  );
  return rows.map((row) => ({
    provider: row.provider,
    breaker: toRecord(row),
    blockedUntil: row.blocked_until,
  }));
}

async function publish(
  tx: Queryable,
  provider: string,
  from: BreakerRecord,
  to: BreakerRecord,
  reason: string,
  at: Date,
): Promise<void> {
  const type = breakerEventFor(from.state, to.state);
  if (!type) return;
  const payload: BreakerEventPayload = {
    provider,
    state: to.state,
    previousState: from.state,
    consecutiveFailures: to.consecutiveFailures,
    reason: secretRedactor.redact(reason),
    at: at.toISOString(),
  };
  await tx.query('SELECT sluice.publish_event($1, $2::jsonb)', [type, JSON.stringify(payload)]);
}

async function write(
  tx: Queryable,
  provider: string,
  expectedVersion: number,
  next: BreakerRecord,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE sluice.source_breakers
        SET state = $3, consecutive_failures = $4, window_started_at = $5, window_requests = $6,
            window_failures = $7, opened_at = $8, probe_started_at = $9, changed_at = $10, version = version + 1
      WHERE provider = $1 AND version = $2`,
    [
      provider,
      expectedVersion,
      next.state,
      next.consecutiveFailures,
      next.windowStartedAt,
      next.windowRequests,
      next.windowFailures,
      next.openedAt,
      next.probeStartedAt,
      next.changedAt,
    ],
  );
  return rowCount === 1;
}

/**
 * Compare-and-set: writes `next` only if the row is still at `current.version`. Of several
 * processes that read the same open breaker after its cooldown, exactly one gets to store the
 * half-open record, and with it the probe.
 */
export function replaceBreaker(
  db: Queryable,
  provider: string,
  current: BreakerRecord,
  next: BreakerRecord,
  reason: string,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (current.version === 0) {
      await tx.query('INSERT INTO sluice.source_breakers (provider) VALUES ($1) ON CONFLICT DO NOTHING', [
        provider,
      ]);
    }
    if (!(await write(tx, provider, current.version, next))) return false;
    await publish(tx, provider, current, next, reason, next.changedAt);
    return true;
  });
}

/** Moves the provider's Retry-After deadline later, never earlier. */
export async function blockUntil(db: Queryable, provider: string, until: Date): Promise<void> {
  await db.query(
    `INSERT INTO sluice.source_breakers (provider, blocked_until) VALUES ($1, $2)
     ON CONFLICT (provider) DO UPDATE
       SET blocked_until = greatest(sluice.source_breakers.blocked_until, EXCLUDED.blocked_until)`,
    [provider, until],
  );
}

/**
 * Closes the breaker and clears its Retry-After deadline (an operator says: try now). Returns
 * the state it had, or undefined when the provider never had a breaker row.
 */
export function resetStoredBreaker(
  db: Queryable,
  provider: string,
  now: Date,
  actor: string,
): Promise<BreakerState | undefined> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<BreakerRow>(
      `SELECT ${COLUMNS} FROM sluice.source_breakers WHERE provider = $1 FOR UPDATE`,
      [provider],
    );
    const row = rows[0];
    if (!row) return undefined;
    const current = toRecord(row);
    const next = resetBreaker(current, now);
    await write(tx, provider, current.version, next);
    await tx.query('UPDATE sluice.source_breakers SET blocked_until = NULL WHERE provider = $1', [provider]);
    await publish(tx, provider, current, next, `reset by ${actor}`, now);
    return current.state;
  });
}

// Shared rate limits in PostgreSQL: a sliding window of grant times per provider, taken under its row lock,
// timed by the database's clock so every process and machine counts the same window.
import { SCOPE_SEPARATOR } from '../../domain/provider-scope.ts';
import { grantWindowMs, type ResolvedRateLimit } from '../../domain/resilience-policy.ts';
import type { RateLimitTake } from '../sources/provider-store.ts';
import type { Queryable } from './database.ts';

/** Epoch milliseconds, so both drivers hand back plain numbers. */
const EPOCH_MS = (expression: string) => `(extract(epoch FROM ${expression}) * 1000)::float8`;

/**
 * Takes one request: at most `requests` grants ever fall within any `grantWindowMs(limit)` (the
 * interval plus a margin for the way to the upstream, see rateLimitMarginMs).
 */
export function takeRequest(
  db: Queryable,
  provider: string,
  limit: ResolvedRateLimit,
): Promise<RateLimitTake> {
  const windowMs = grantWindowMs(limit);
  return db.transaction(async (tx) => {
    await tx.query('INSERT INTO sluice.source_rate_limits (provider) VALUES ($1) ON CONFLICT DO NOTHING', [
      provider,
    ]);
    const { rows } = await tx.query<{ grants: number[] }>(
      `SELECT ARRAY(SELECT ${EPOCH_MS('g')} FROM unnest(grants) AS g ORDER BY g) AS grants
         FROM sluice.source_rate_limits WHERE provider = $1 FOR UPDATE`,
      [provider],
    );
    // Read after the lock is held: time spent waiting for it must not count. And taken before the
    // clock is read, so the caller knows how old a grant may at most be when its request leaves.
    const notBefore = performance.now();
    const { rows: clock } = await tx.query<{ now: number }>(`SELECT ${EPOCH_MS('clock_timestamp()')} AS now`);
    const now = Number(clock[0]?.now);
    const recent = (rows[0]?.grants ?? []).map(Number).filter((at) => at > now - windowMs);
    const granted = recent.length < limit.requests;
    if (granted) recent.push(now);
    await tx.query(
      `UPDATE sluice.source_rate_limits
          SET grants = ARRAY(SELECT to_timestamp(ms / 1000.0) FROM unnest($2::float8[]) AS ms ORDER BY ms)
        WHERE provider = $1`,
      [provider, recent],
    );
    if (granted) return { granted: true, at: now, notBefore };
    const oldestCounted = recent[recent.length - limit.requests] ?? now;
    return { granted: false, waitMs: Math.max(1, Math.ceil(oldestCounted + windowMs - now)) };
  });
}

/** Removes the grant taken at `grantedAt` (as takeRequest answered it); its request never left. */
export async function returnRequest(db: Queryable, provider: string, grantedAt: number): Promise<void> {
  // Stored as timestamptz (microseconds): the same grant reads back within a microsecond.
  await db.query(
    `UPDATE sluice.source_rate_limits
        SET grants = ARRAY(SELECT g FROM unnest(grants) AS g WHERE abs(${EPOCH_MS('g')} - $2) >= 0.001 ORDER BY g)
      WHERE provider = $1`,
    [provider, grantedAt],
  );
}

/** Grants within the last `intervalMs`, per provider and per scope of it (by state key), for the sources overview. */
export async function rateLimitUsage(
  db: Queryable,
  intervals: ReadonlyMap<string, number>,
): Promise<Map<string, number>> {
  const usage = new Map<string, number>();
  if (intervals.size === 0) return usage;
  const { rows } = await db.query<{ provider: string; used: number }>(
    `SELECT r.provider, (SELECT count(*) FROM unnest(r.grants) AS g
                          WHERE g > clock_timestamp() - i.ms * interval '1 millisecond')::int AS used
       FROM sluice.source_rate_limits r
       JOIN unnest($1::text[], $2::float8[]) AS i(provider, ms)
         ON r.provider = i.provider OR starts_with(r.provider, i.provider || $3)`,
    [[...intervals.keys()], [...intervals.values()], SCOPE_SEPARATOR],
  );
  for (const row of rows) usage.set(row.provider, row.used);
  return usage;
}

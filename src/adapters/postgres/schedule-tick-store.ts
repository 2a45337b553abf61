// Schedule state and ticks: the per-pipeline evaluation lock (sluice.schedule_state) and the
// record of every tick (sluice.ticks), one row per pipeline and scheduled time.
import type { LastTick } from '../../engine/schedule.ts';
import type { ScheduleTickStore, TickOutcome } from '../../engine/schedule-ticks-fire.ts';
import type { Queryable } from './database.ts';
import { dispatchUnitOn } from './run-dispatch-store.ts';

async function recordTick(tx: Queryable, tick: TickOutcome, evaluatedAt: Date): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO sluice.ticks (pipeline, scheduled_at, evaluated_at, outcome, reason, run_id)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pipeline, scheduled_at) DO NOTHING`,
    [tick.pipeline, tick.scheduledAt, evaluatedAt, tick.outcome, tick.reason, tick.runId],
  );
  return rowCount > 0;
}

export function createScheduleTickStore(
  db: Queryable,
): ScheduleTickStore & { lastTicks(): Promise<Map<string, LastTick>> } {
  return {
    evaluateLocked(pipeline, now, work) {
      return db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO sluice.schedule_state (pipeline, last_evaluated_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
          [pipeline, now],
        );
        // Another process holding the row is evaluating this pipeline: it is skipped here.
        const { rows } = await tx.query<{ last_evaluated_at: Date }>(
          'SELECT last_evaluated_at FROM sluice.schedule_state WHERE pipeline = $1 FOR UPDATE SKIP LOCKED',
          [pipeline],
        );
        const last = rows[0]?.last_evaluated_at;
        if (!last || last.getTime() >= now.getTime()) return [];
        const outcomes = await work(last, {
          ...dispatchUnitOn(tx),
          recordTick: (tick, evaluatedAt) => recordTick(tx, tick, evaluatedAt),
        });
        await tx.query(
          'UPDATE sluice.schedule_state SET last_evaluated_at = $2, updated_at = now() WHERE pipeline = $1',
          [pipeline, now],
        );
        return outcomes;
      });
    },
    async lastTicks() {
      const { rows } = await db.query<{
        pipeline: string;
        scheduled_at: Date;
        outcome: string;
        reason: string | null;
        run_id: string | null;
      }>(
        `SELECT DISTINCT ON (pipeline) pipeline, scheduled_at, outcome, reason, run_id
           FROM sluice.ticks ORDER BY pipeline, scheduled_at DESC`,
      );
      return new Map(
        rows.map((row) => [
          row.pipeline,
          {
            scheduledAt: row.scheduled_at.toISOString(),
            outcome: row.outcome,
            reason: row.reason,
            runId: row.run_id,
          },
        ]),
      );
    },
  };
}

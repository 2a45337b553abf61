// Persists backfills and their partitions: the plan, reading them, and the actions (the pump's
// dispatch and settling are in backfill-dispatch.ts). Every state change happens in one statement
// or transaction, so a process killed at any point leaves each partition in exactly one state.
import {
  type BackfillAction,
  type BackfillStatus,
  backfillAfter,
  emptyPartitionCounts,
  type PartitionState,
  retriedStates,
  settledStatus,
} from '../../domain/backfill.ts';
import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import type {
  BackfillFilter,
  BackfillPartitionRecord,
  BackfillRecord,
  BackfillStore,
  NewBackfill,
} from '../../engine/backfills.ts';
import type { Queryable } from './database.ts';
import { resolveIdPrefix } from './id-prefix.ts';

interface BackfillRow {
  id: string;
  pipeline: string;
  status: BackfillStatus;
  range_from: string | null;
  range_to: string | null;
  key_filter: string[];
  concurrency: number;
  total: number;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  error: string | null;
  counts: Partial<Record<PartitionState, number | string>> | null;
}

const BACKFILL_SELECT = `SELECT b.id, b.pipeline, b.status, b.range_from, b.range_to, b.key_filter, b.concurrency, b.total,
    b.created_by, b.created_at, b.updated_at, b.finished_at, b.error,
    (SELECT jsonb_object_agg(status, n) FROM (
       SELECT status, count(*) AS n FROM sluice.backfill_partitions WHERE backfill_id = b.id GROUP BY status) c) AS counts
  FROM sluice.backfills b`;

function toRecord(row: BackfillRow): BackfillRecord {
  const counts = emptyPartitionCounts();
  for (const [state, n] of Object.entries(row.counts ?? {})) {
    counts[state as PartitionState] = Number(n);
    counts.total += Number(n);
  }
  return {
    id: row.id,
    pipeline: row.pipeline,
    status: row.status,
    from: row.range_from,
    to: row.range_to,
    keys: row.key_filter,
    concurrency: row.concurrency,
    total: row.total,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    error: row.error,
    counts,
  };
}

/** The backfills section's store on this database. */
export function createBackfillStore(db: Queryable): BackfillStore {
  return {
    create: (backfill) => createBackfill(db, backfill),
    get: (idOrPrefix) => getBackfill(db, idOrPrefix),
    list: (filter) => listBackfills(db, filter),
    partitions: (id) => backfillPartitions(db, id),
    apply: (idOrPrefix, action) => applyBackfillAction(db, idOrPrefix, action),
    retryPartition: (idOrPrefix, partitionKey) => retryBackfillPartition(db, idOrPrefix, partitionKey),
  };
}

/** Stores a backfill and all its partitions, pending, in one transaction. */
export async function createBackfill(db: Queryable, backfill: NewBackfill): Promise<BackfillRecord> {
  const partitions = backfill.plan.partitions;
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO sluice.backfills (id, pipeline, status, range_from, range_to, key_filter, concurrency, total, created_by)
       VALUES ($1, $2, 'active', $3, $4, $5, $6, $7, $8)`,
      [
        backfill.id,
        backfill.pipeline,
        backfill.plan.from ?? null,
        backfill.plan.to ?? null,
        [...backfill.keys],
        backfill.concurrency,
        partitions.length,
        backfill.createdBy,
      ],
    );
    await tx.query(
      `INSERT INTO sluice.backfill_partitions (backfill_id, ordinal, partition_key, time_key, row_key)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[])`,
      [
        backfill.id,
        partitions.map((p) => p.ordinal),
        partitions.map((p) => p.partitionKey),
        partitions.map((p) => p.timeKey ?? null),
        partitions.map((p) => p.rowKey ?? null),
      ],
    );
  });
  return getBackfill(db, backfill.id);
}

function missing(id: string): NotFoundError {
  return new NotFoundError(`backfill ${id} does not exist (sluice backfill list shows them)`);
}

/** A backfill's full id from its id or the 8+ character prefix the CLI prints. */
function backfillId(db: Queryable, id: string): Promise<string> {
  return resolveIdPrefix(db, 'backfill', id);
}

export async function getBackfill(db: Queryable, id: string): Promise<BackfillRecord> {
  const { rows } = await db.query<BackfillRow>(`${BACKFILL_SELECT} WHERE b.id = $1`, [
    await backfillId(db, id),
  ]);
  const row = rows[0];
  if (!row) throw missing(id);
  return toRecord(row);
}

export async function listBackfills(db: Queryable, filter: BackfillFilter = {}): Promise<BackfillRecord[]> {
  const { rows } = await db.query<BackfillRow>(
    `${BACKFILL_SELECT} WHERE ($1::text IS NULL OR b.pipeline = $1) AND ($2::text IS NULL OR b.status = $2)
      ORDER BY b.created_at DESC, b.id DESC LIMIT $3`,
    [filter.pipeline ?? null, filter.status ?? null, filter.limit ?? 50],
  );
  return rows.map(toRecord);
}

interface PartitionRow {
  ordinal: number;
  partition_key: string;
  time_key: string | null;
  row_key: string | null;
  status: PartitionState;
  attempts: number;
  run_id: string | null;
  last_error: string | null;
  started_at: Date | null;
  finished_at: Date | null;
}

export async function backfillPartitions(db: Queryable, id: string): Promise<BackfillPartitionRecord[]> {
  const { rows } = await db.query<PartitionRow>(
    `SELECT ordinal, partition_key, time_key, row_key, status, attempts, run_id, last_error, started_at, finished_at
       FROM sluice.backfill_partitions WHERE backfill_id = $1 ORDER BY ordinal`,
    [id],
  );
  return rows.map((row) => ({
    ordinal: row.ordinal,
    partition: row.partition_key,
    timeKey: row.time_key,
    rowKey: row.row_key,
    status: row.status,
    attempts: row.attempts,
    runId: row.run_id,
    lastError: row.last_error,
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
  }));
}

interface LockedBackfill {
  id: string;
  pipeline: string;
  status: BackfillStatus;
  concurrency: number;
}

export async function lockBackfill(tx: Queryable, id: string): Promise<LockedBackfill> {
  const { rows } = await tx.query<LockedBackfill>(
    `SELECT id, pipeline, status, concurrency FROM sluice.backfills WHERE id = $1 FOR UPDATE`,
    [await backfillId(tx, id)],
  );
  const row = rows[0];
  if (!row) throw missing(id);
  return row;
}

/**
 * Pause, resume, cancel or retry-failed. Pause and cancel let running partitions finish; cancel
 * marks the pending ones cancelled; retry-failed puts failed partitions back to pending.
 */
export async function applyBackfillAction(
  db: Queryable,
  id: string,
  action: BackfillAction,
): Promise<BackfillRecord> {
  await db.transaction(async (tx) => {
    const row = await lockBackfill(tx, id);
    const next = backfillAfter(row.status, action);
    if (action === 'cancel') {
      await tx.query(
        `UPDATE sluice.backfill_partitions SET status = 'cancelled', finished_at = now()
          WHERE backfill_id = $1 AND status = 'pending'`,
        [row.id],
      );
    }
    if (action === 'retry-failed') {
      const { rowCount } = await tx.query(
        `UPDATE sluice.backfill_partitions SET status = 'pending', finished_at = NULL
          WHERE backfill_id = $1 AND status = ANY($2::text[])`,
        [row.id, retriedStates(row.status)],
      );
      if (rowCount === 0 && row.status !== 'active' && row.status !== 'paused') {
        throw new ConflictError(`backfill ${row.id} has no failed partitions to retry`);
      }
    }
    await tx.query(
      `UPDATE sluice.backfills SET status = $2, updated_at = now(),
              finished_at = CASE WHEN $2 IN ('active', 'paused') THEN NULL ELSE finished_at END
        WHERE id = $1`,
      [row.id, next],
    );
    await finishIfSettled(tx, row.id);
  });
  return getBackfill(db, id);
}

/** Puts one partition back to pending (it may not be running) and reopens a finished backfill. */
export async function retryBackfillPartition(
  db: Queryable,
  id: string,
  partitionKey: string,
): Promise<BackfillRecord> {
  await db.transaction(async (tx) => {
    const row = await lockBackfill(tx, id);
    const { rows } = await tx.query<{ status: PartitionState }>(
      `SELECT status FROM sluice.backfill_partitions WHERE backfill_id = $1 AND partition_key = $2 FOR UPDATE`,
      [row.id, partitionKey],
    );
    const partition = rows[0];
    if (!partition) throw new NotFoundError(`backfill ${row.id} has no partition "${partitionKey}"`);
    if (partition.status === 'running' || partition.status === 'pending') {
      throw new ConflictError(
        `partition "${partitionKey}" is ${partition.status}; it will run without a retry`,
      );
    }
    await tx.query(
      `UPDATE sluice.backfill_partitions SET status = 'pending', finished_at = NULL
        WHERE backfill_id = $1 AND partition_key = $2`,
      [row.id, partitionKey],
    );
    if (row.status !== 'active' && row.status !== 'paused') {
      await tx.query(
        `UPDATE sluice.backfills SET status = 'active', updated_at = now(), finished_at = NULL WHERE id = $1`,
        [row.id],
      );
    }
  });
  return getBackfill(db, id);
}

/** Ends a backfill with nothing pending or running; returns its final status when it ended now. */
export async function finishIfSettled(tx: Queryable, id: string): Promise<BackfillStatus | undefined> {
  const { rows } = await tx.query<BackfillRow>(`${BACKFILL_SELECT} WHERE b.id = $1`, [id]);
  const row = rows[0];
  if (!row) return undefined;
  const record = toRecord(row);
  const next = settledStatus(record.status, record.counts);
  if (next === undefined || (next === record.status && record.finishedAt !== null)) return undefined;
  await tx.query(
    `UPDATE sluice.backfills SET status = $2, finished_at = now(), updated_at = now() WHERE id = $1`,
    [id, next],
  );
  return next;
}

// Creating a backfill from a request (CLI or API): the pipeline's partitions in range, planned and stored.
import { randomUUID } from 'node:crypto';
import { backfillDefaults, MAX_BACKFILL_CONCURRENCY, planBackfill } from '../../domain/backfill.ts';
import { UsageError } from '../../domain/errors.ts';
import type { Sluice } from '../../main.ts';
import { type BackfillRecord, createBackfill } from '../postgres/backfill-store.ts';

export interface BackfillRequestInput {
  pipeline: string;
  from?: string;
  to?: string;
  keys?: readonly string[];
  concurrency?: number;
  /** Who asked: `cli:<user>` or `token:<name>`. */
  createdBy: string;
}

export async function requestBackfill(sluice: Sluice, input: BackfillRequestInput): Promise<BackfillRecord> {
  const pipeline = sluice.pipeline(input.pipeline);
  const partitioning = pipeline.partitioning;
  if (!partitioning) {
    throw new UsageError(
      `pipeline "${pipeline.name}" has no partitions, so there is nothing to backfill; run it with sluice run ${pipeline.name}`,
    );
  }
  const concurrency = input.concurrency ?? backfillDefaults.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_BACKFILL_CONCURRENCY) {
    throw new UsageError(
      `concurrency must be a whole number from 1 to ${MAX_BACKFILL_CONCURRENCY}, got ${concurrency}`,
    );
  }
  const keySets = await sluice.keySets(pipeline);
  const plan = planBackfill(partitioning, {
    ...(input.from === undefined ? {} : { from: input.from }),
    ...(input.to === undefined ? {} : { to: input.to }),
    keys: input.keys ?? [],
    keySets,
  });
  return createBackfill(sluice.db, {
    id: randomUUID(),
    pipeline: pipeline.name,
    plan,
    keys: input.keys ?? [],
    concurrency,
    createdBy: input.createdBy,
  });
}

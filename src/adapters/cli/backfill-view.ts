// How a backfill reads in a terminal: the progress line, the summary, and the time × key grid.
import { backfillProgress, type PartitionState } from '../../domain/backfill.ts';
import { backfillGrid } from '../../domain/backfill-grid.ts';
import type { BackfillPartitionRecord, BackfillRecord } from '../../engine/backfills.ts';
import { duration, summarizeMessage, table } from './format.ts';

const BAR_WIDTH = 24;

/** `[#########.....] 52% 540/1040 ok 530 failed 10 running 4 pending 496 · 12.3/min · ETA 3 min 10 s` */
export function progressLine(backfill: BackfillRecord, elapsedMs: number): string {
  const counts = backfill.counts;
  const progress = backfillProgress(counts, elapsedMs);
  const filled = Math.round(progress.fraction * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  const parts = [
    `${bar} ${Math.floor(progress.fraction * 100)}% ${progress.done}/${counts.total}`,
    `ok ${counts.succeeded + counts.skipped} failed ${counts.failed} running ${counts.running} pending ${counts.pending}` +
      (counts.cancelled > 0 ? ` cancelled ${counts.cancelled}` : ''),
    `${progress.perMinute.toFixed(1)}/min`,
    backfill.status === 'active'
      ? `ETA ${progress.etaMs === undefined ? '-' : duration(progress.etaMs)}`
      : backfill.status,
  ];
  return parts.join(' · ');
}

export function backfillTable(backfills: readonly BackfillRecord[]): string {
  if (backfills.length === 0)
    return 'no backfills yet (start one with sluice backfill <pipeline> --from … --to …)\n';
  return `${table(
    ['id', 'pipeline', 'status', 'done', 'failed', 'running', 'range', 'created', 'by'],
    backfills.map((b) => [
      b.id,
      b.pipeline,
      b.status,
      `${b.counts.succeeded + b.counts.skipped + b.counts.failed + b.counts.cancelled}/${b.total}`,
      b.counts.failed,
      b.counts.running,
      b.from === null ? null : `${b.from} … ${b.to}`,
      b.createdAt,
      b.createdBy,
    ]),
  )}\n`;
}

const CELL: Record<PartitionState, string> = {
  pending: '.',
  running: '>',
  succeeded: '#',
  failed: 'x',
  skipped: 's',
  cancelled: '-',
};

/** The grid as text: one character per partition, a legend, then the failures with their errors. */
export function describeBackfill(
  backfill: BackfillRecord,
  partitions: readonly BackfillPartitionRecord[],
): string {
  const grid = backfillGrid(partitions);
  const label = Math.max(...grid.rows.map((row) => row.length), 4);
  const lines = [
    `backfill ${backfill.id} of ${backfill.pipeline}: ${backfill.status}`,
    `range ${backfill.from ?? '-'} … ${backfill.to ?? '-'}${backfill.keys.length > 0 ? `, keys ${backfill.keys.join(',')}` : ''}, concurrency ${backfill.concurrency}, by ${backfill.createdBy}`,
    progressLine(
      backfill,
      Date.parse(backfill.finishedAt ?? new Date().toISOString()) - Date.parse(backfill.createdAt),
    ),
    ...(backfill.error ? [`error: ${summarizeMessage(backfill.error)}`] : []),
    '',
    `${''.padEnd(label)}  ${grid.columns[0] ?? ''} … ${grid.columns.at(-1) ?? ''}`,
    ...grid.rows.map(
      (row, index) =>
        `${(row || 'all').padEnd(label)}  ${(grid.cells[index] ?? []).map((cell) => (cell ? CELL[cell.status] : ' ')).join('')}`,
    ),
    `legend: # succeeded  x failed  > running  . pending  - cancelled  s skipped`,
  ];
  const failed = partitions.filter((p) => p.status === 'failed');
  if (failed.length > 0) {
    lines.push('', `failed partitions (${failed.length}; retry with sluice backfill retry ${backfill.id}):`);
    for (const partition of failed.slice(0, 20)) {
      lines.push(
        `  ${partition.partition} (attempt ${partition.attempts}): ${partition.lastError === null ? 'no message' : summarizeMessage(partition.lastError)}`,
      );
    }
    if (failed.length > 20) lines.push(`  … and ${failed.length - 20} more (--json lists all)`);
  }
  return `${lines.join('\n')}\n`;
}

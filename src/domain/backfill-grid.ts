// A backfill's partitions laid out as the grid a dashboard draws: time windows × key rows.

export interface GridPlaced {
  /** The window key (column); null without time partitions. */
  readonly timeKey: string | null;
  /** The key dimensions, `site=annecy` (row); null without key partitions. */
  readonly rowKey: string | null;
}

export interface BackfillGrid<T> {
  /** Time keys in plan order (a single '' column without time partitions). */
  columns: string[];
  /** Key rows in plan order (a single '' row without key partitions). */
  rows: string[];
  /** cells[row][column]: the partition there, or null where the plan has none (a filtered key). */
  cells: Array<Array<T | null>>;
}

/** Partitions must come in plan order (window, then keys): columns and rows follow it. */
export function backfillGrid<T extends GridPlaced>(partitions: readonly T[]): BackfillGrid<T> {
  const columns = [...new Set(partitions.map((p) => p.timeKey ?? ''))];
  const rows = [...new Set(partitions.map((p) => p.rowKey ?? ''))];
  const columnIndex = new Map(columns.map((column, index) => [column, index]));
  const rowIndex = new Map(rows.map((row, index) => [row, index]));
  const cells = rows.map(() => columns.map((): T | null => null));
  for (const partition of partitions) {
    const row = cells[rowIndex.get(partition.rowKey ?? '') ?? 0];
    if (row) row[columnIndex.get(partition.timeKey ?? '') ?? 0] = partition;
  }
  return { columns, rows, cells };
}

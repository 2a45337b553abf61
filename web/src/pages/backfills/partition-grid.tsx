// The time × key grid of a backfill, Dagster-style: one light element per partition coloured by its
// state (the state is in each cell's label too), a tooltip with attempts and last error, keyboard
// moves between cells (the ARIA grid pattern on a table). Handlers sit on the table, not on each cell.
import { type KeyboardEvent, memo, type SyntheticEvent, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type BackfillDetailResponse, type BackfillPartition, PARTITION_STATES } from '../../api/types.ts';
import { useFormat } from '../../i18n/format.ts';

/** Grid width the cells share (px), and the bounds of one cell's side. */
const GRID_WIDTH = 1000;
const MIN_CELL = 10;
const MAX_CELL = 22;
/** A column label needs about this much room (px); the others are read from the cells' labels. */
const LABEL_WIDTH = 72;

interface Position {
  row: number;
  column: number;
}

const GridCell = memo(function GridCell(props: {
  row: number;
  column: number;
  index: number | undefined;
  state: BackfillPartition['status'] | undefined;
  label: string;
  focusable: boolean;
}) {
  return (
    <td
      className={props.state ? `bf-cell bf-${props.state}` : 'bf-cell bf-none'}
      data-row={props.row}
      data-column={props.column}
      data-index={props.index}
      data-state={props.state}
      aria-label={props.label}
      tabIndex={props.focusable ? 0 : -1}
    />
  );
});

function cellAt(target: EventTarget | null): HTMLElement | undefined {
  if (!(target instanceof HTMLElement)) return undefined;
  const cell = target.closest<HTMLElement>('.bf-cell');
  return cell ?? undefined;
}

function Tooltip(props: { partition: BackfillPartition; cell: HTMLElement; frame: HTMLElement | null }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { partition } = props;
  // Placed under the cell, outside the scrolling box (which would clip it), relative to the frame.
  const cell = props.cell.getBoundingClientRect();
  const frame = props.frame?.getBoundingClientRect() ?? { left: 0, top: 0 };
  const style = { left: cell.left - frame.left, top: cell.bottom - frame.top + 4 };
  return (
    <div className="bf-tooltip" role="tooltip" id="bf-tooltip" style={style}>
      <strong>{partition.partition}</strong> · {t(`backfill.state.${partition.status}`)}
      <div>
        {t('backfill.grid.attempts')}: {format.number(partition.attempts)}
      </div>
      {partition.lastError && (
        <div className="bf-tooltip-error">
          {t('backfill.grid.lastError')}: {partition.lastError.slice(0, 300)}
        </div>
      )}
    </div>
  );
}

export function PartitionGrid(props: { detail: BackfillDetailResponse; onOpen: (index: number) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { grid, partitions } = props.detail;
  const gridRef = useRef<HTMLTableElement>(null);
  const frameRef = useRef<HTMLDivElement>(null);
  const [focus, setFocus] = useState<Position>({ row: 0, column: 0 });
  const [hovered, setHovered] = useState<HTMLElement | undefined>(undefined);
  const columns = grid.columns.length;
  const rows = grid.rows.length;
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(GRID_WIDTH / Math.max(columns, 1)) - 2));
  const labelEvery = Math.max(1, Math.ceil(LABEL_WIDTH / (cell + 2)));

  const counts = Object.fromEntries(PARTITION_STATES.map((state) => [state, 0])) as Record<
    BackfillPartition['status'],
    number
  >;
  for (const partition of partitions) counts[partition.status]++;

  const moveTo = (next: Position) => {
    const position = {
      row: Math.min(rows - 1, Math.max(0, next.row)),
      column: Math.min(columns - 1, Math.max(0, next.column)),
    };
    setFocus(position);
    gridRef.current
      ?.querySelector<HTMLElement>(`[data-row="${position.row}"][data-column="${position.column}"]`)
      ?.focus();
  };

  const open = (target: EventTarget | null) => {
    const index = cellAt(target)?.dataset.index;
    if (index !== undefined) props.onOpen(Number(index));
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const step: Record<string, Position> = {
      ArrowRight: { row: focus.row, column: focus.column + 1 },
      ArrowLeft: { row: focus.row, column: focus.column - 1 },
      ArrowDown: { row: focus.row + 1, column: focus.column },
      ArrowUp: { row: focus.row - 1, column: focus.column },
      Home: { row: focus.row, column: 0 },
      End: { row: focus.row, column: columns - 1 },
    };
    const next = step[event.key];
    if (next) {
      event.preventDefault();
      moveTo(next);
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open(event.target);
    }
  };

  const track = (event: SyntheticEvent) => {
    const target = cellAt(event.target);
    setHovered(target?.dataset.index === undefined ? undefined : target);
    if (event.type === 'focus' && target) {
      setFocus({ row: Number(target.dataset.row), column: Number(target.dataset.column) });
    }
  };

  const hoveredPartition = hovered ? partitions[Number(hovered.dataset.index)] : undefined;
  const axis = (value: string, none: string) => (value === '' ? none : value);

  return (
    <>
      <ul className="bf-legend" aria-label={t('backfill.grid.legend')} data-testid="grid-legend">
        {PARTITION_STATES.map((state) => (
          <li key={state} data-state={state}>
            <span className={`bf-swatch bf-${state}`} aria-hidden="true" />
            {t(`backfill.state.${state}`)} <strong>{format.number(counts[state])}</strong>
          </li>
        ))}
      </ul>
      <p className="muted bf-hint" id="bf-hint">
        {t('backfill.grid.hint')}
      </p>
      <div className="bf-frame" ref={frameRef}>
        <div className="bf-scroll">
          <table
            ref={gridRef}
            // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the ARIA grid pattern on a table; arrow keys move between its cells
            role="grid"
            aria-label={t('backfill.grid.label')}
            aria-describedby="bf-hint"
            aria-rowcount={rows + 1}
            aria-colcount={columns + 1}
            className="bf-grid"
            style={{ ['--cell' as string]: `${cell}px` }}
            onClick={(event) => open(event.target)}
            onKeyDown={onKeyDown}
            onMouseOver={track}
            onFocus={track}
            onMouseLeave={() => setHovered(undefined)}
            data-testid="partition-grid"
          >
            <thead>
              <tr>
                <th scope="col" className="bf-corner">
                  {t('backfill.grid.key')} \ {t('backfill.grid.time')}
                </th>
                {grid.columns.map((column, index) => (
                  <th scope="col" key={column || index} className="bf-column">
                    <span className={index % labelEvery === 0 ? 'bf-column-label' : 'visually-hidden'}>
                      {axis(column, t('backfill.grid.noTime'))}
                    </span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {grid.cells.map((cells, row) => (
                <tr key={grid.rows[row] || row}>
                  <th scope="row" className="bf-rowheader mono">
                    {axis(grid.rows[row] ?? '', t('backfill.grid.noKey'))}
                  </th>
                  {cells.map((entry, column) => {
                    const partition = entry ? partitions[entry.index] : undefined;
                    const label = partition
                      ? t('backfill.grid.cell', {
                          partition: partition.partition,
                          state: t(`backfill.state.${partition.status}`),
                          count: partition.attempts,
                        })
                      : t('common.none');
                    return (
                      <GridCell
                        key={grid.columns[column] || column}
                        row={row}
                        column={column}
                        index={entry?.index}
                        state={partition?.status}
                        label={label}
                        focusable={focus.row === row && focus.column === column}
                      />
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {hovered && hoveredPartition && (
          <Tooltip partition={hoveredPartition} cell={hovered} frame={frameRef.current} />
        )}
      </div>
    </>
  );
}

// A table of dataset rows, each cell read by its column's type; the preview and the records list share it.
import { useTranslation } from 'react-i18next';
import type { DatasetColumn, DatasetRecord, DatasetSummary } from '../../api/types.ts';
import { useFormat } from '../../i18n/format.ts';
import { cellText, isNumericColumn } from './record-value.ts';

/** The system columns worth a glance; run ids and first-seen times are in the CSV. */
const SHOWN_SYSTEM = new Set(['_provider', '_last_changed_at']);

export function shownColumns(dataset: DatasetSummary): DatasetColumn[] {
  return dataset.columns.filter((column) => !column.name.startsWith('_') || SHOWN_SYSTEM.has(column.name));
}

function rowKey(dataset: DatasetSummary, record: DatasetRecord): string {
  return JSON.stringify(dataset.key.map((name) => record[name] ?? null));
}

export function RecordTable(props: {
  dataset: DatasetSummary;
  records: DatasetRecord[];
  caption: string;
  captionHidden?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const columns = shownColumns(props.dataset);
  return (
    <div className="table-wrap">
      <table data-testid={props.testId}>
        <caption className={props.captionHidden ? 'visually-hidden' : undefined}>{props.caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.name} scope="col" className={isNumericColumn(column) ? 'num' : undefined}>
                {column.name === '_provider'
                  ? t('dataset.records.provider')
                  : column.name === '_last_changed_at'
                    ? t('dataset.records.lastChanged')
                    : column.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.records.map((record) => (
            <tr key={rowKey(props.dataset, record)}>
              {columns.map((column) => (
                <td key={column.name} className={isNumericColumn(column) ? 'num' : undefined}>
                  {cellText(column, record[column.name], format)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

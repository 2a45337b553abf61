// Dataset page part: the table it is stored in, its key, time column and write mode, and each column's type.
import { useTranslation } from 'react-i18next';
import type { DatasetSummary } from '../../api/types.ts';

export function DatasetSchema({ dataset }: { dataset: DatasetSummary }) {
  const { t } = useTranslation();
  return (
    <section className="card" aria-labelledby="schema-title">
      <h2 id="schema-title">{t('dataset.schema.title')}</h2>
      <dl className="facts">
        <div>
          <dt>{t('dataset.schema.table')}</dt>
          <dd className="mono">{dataset.table}</dd>
        </div>
        <div>
          <dt>{t('dataset.schema.key')}</dt>
          <dd className="mono">{dataset.key.join(', ')}</dd>
        </div>
        <div>
          <dt>{t('dataset.schema.time')}</dt>
          <dd className="mono">{dataset.time}</dd>
        </div>
        <div>
          <dt>{t('dataset.schema.write')}</dt>
          <dd>{dataset.write}</dd>
        </div>
      </dl>
      <div className="table-wrap">
        <table data-testid="schema">
          <caption>{t('dataset.schema.columns')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('dataset.schema.column')}</th>
              <th scope="col">{t('dataset.schema.type')}</th>
              <th scope="col">{t('dataset.schema.nullable')}</th>
              <th scope="col">{t('dataset.schema.role')}</th>
            </tr>
          </thead>
          <tbody>
            {dataset.columns.map((column) => {
              const roles = [
                dataset.key.includes(column.name) ? t('dataset.schema.roleKey') : undefined,
                column.name === dataset.time ? t('dataset.schema.roleTime') : undefined,
                column.name.startsWith('_') ? t('dataset.schema.roleSystem') : undefined,
              ].filter((role) => role !== undefined);
              return (
                <tr key={column.name}>
                  <td>
                    <code>{column.name}</code>
                  </td>
                  <td>
                    <code>{column.type}</code>
                  </td>
                  <td>{column.nullable ? t('dataset.schema.yes') : t('dataset.schema.no')}</td>
                  <td>{roles.length > 0 ? roles.join(', ') : t('common.none')}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

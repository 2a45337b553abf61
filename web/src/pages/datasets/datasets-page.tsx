// Datasets: every declared dataset with its key, time column, size and last change, linking to its page.
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { useDatasets } from '../../api/dataset-queries.ts';
import { QueryView } from '../../components/query-states.tsx';
import { useFormat } from '../../i18n/format.ts';

export function DatasetsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const datasets = useDatasets();
  return (
    <>
      <h1>{t('datasets.title')}</h1>
      <section className="card" aria-label={t('datasets.title')}>
        <QueryView
          query={datasets}
          isEmpty={(data) => data.datasets.length === 0}
          empty={t('datasets.empty')}
        >
          {(data) => (
            <div className="table-wrap">
              <table data-testid="datasets">
                <caption className="visually-hidden">{t('datasets.title')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('datasets.name')}</th>
                    <th scope="col">{t('datasets.description')}</th>
                    <th scope="col">{t('datasets.key')}</th>
                    <th scope="col">{t('datasets.time')}</th>
                    <th scope="col" className="num">
                      {t('datasets.rows')}
                    </th>
                    <th scope="col" className="num">
                      {t('datasets.quarantined')}
                    </th>
                    <th scope="col">{t('datasets.lastChanged')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.datasets.map((dataset) => (
                    <tr key={dataset.name}>
                      <td>
                        <Link href={`/datasets/${encodeURIComponent(dataset.name)}`}>{dataset.name}</Link>
                      </td>
                      <td className="wrap">{dataset.description ?? t('common.none')}</td>
                      <td>
                        <code>{dataset.key.join(', ')}</code>
                      </td>
                      <td>
                        <code>{dataset.time}</code>
                      </td>
                      <td className="num">
                        {dataset.stats ? format.number(dataset.stats.rows) : t('common.none')}
                      </td>
                      <td className="num">
                        {dataset.stats ? format.number(dataset.stats.quarantined) : t('common.none')}
                      </td>
                      <td>{format.dateTime(dataset.stats?.lastChangedAt ?? null)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </QueryView>
      </section>
    </>
  );
}

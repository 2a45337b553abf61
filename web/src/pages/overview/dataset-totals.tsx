// Overview part: rows per dataset, all time and over the last 7 and 30 days, and runs by status.
import { useTranslation } from 'react-i18next';
import { useStats } from '../../api/queries.ts';
import { RUN_STATUSES } from '../../api/types.ts';
import { QueryView } from '../../components/query-states.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { useFormat } from '../../i18n/format.ts';

export function DatasetTotals() {
  const { t } = useTranslation();
  const format = useFormat();
  const week = useStats(7);
  const month = useStats(30);
  return (
    <section className="card" aria-labelledby="totals-title">
      <h2 id="totals-title">{t('overview.totals.title')}</h2>
      <QueryView
        query={week}
        isEmpty={(stats) => stats.datasets.length === 0}
        empty={t('overview.totals.empty')}
      >
        {(stats) => (
          <>
            <div className="table-wrap">
              <table data-testid="dataset-totals">
                <caption className="visually-hidden">{t('overview.totals.title')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('overview.totals.dataset')}</th>
                    <th scope="col" className="num">
                      {t('overview.totals.rows')}
                    </th>
                    <th scope="col" className="num">
                      {t('overview.totals.last7')}
                    </th>
                    <th scope="col" className="num">
                      {t('overview.totals.last30')}
                    </th>
                    <th scope="col" className="num">
                      {t('overview.totals.quarantined')}
                    </th>
                    <th scope="col">{t('overview.totals.lastChanged')}</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.datasets.map((dataset) => {
                    const monthly = month.data?.datasets.find((entry) => entry.dataset === dataset.dataset);
                    return (
                      <tr key={dataset.dataset}>
                        <td>{dataset.dataset}</td>
                        <td className="num">{format.number(dataset.rows)}</td>
                        <td className="num">{format.number(dataset.rowsInRange)}</td>
                        <td className="num">
                          {monthly ? format.number(monthly.rowsInRange) : t('common.none')}
                        </td>
                        <td className="num">{format.number(dataset.quarantined)}</td>
                        <td>{format.dateTime(dataset.lastChangedAt)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <p className="muted">{t('overview.totals.rangeNote')}</p>
            <h3>{t('overview.totals.runsTitle')}</h3>
            <ul className="inline-list">
              {RUN_STATUSES.filter((status) => (stats.runs.allTime[status] ?? 0) > 0).map((status) => (
                <li key={status}>
                  <StatusBadge kind="run" status={status} /> {format.number(stats.runs.allTime[status] ?? 0)}
                </li>
              ))}
            </ul>
          </>
        )}
      </QueryView>
    </section>
  );
}

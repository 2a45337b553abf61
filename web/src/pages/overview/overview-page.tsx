// Overview: project health and why, stale series first, recent failures, active backfills, totals per dataset.
import { useTranslation } from 'react-i18next';
import { useFreshness } from '../../api/queries.ts';
import type { FreshnessResponse } from '../../api/types.ts';
import { QueryView } from '../../components/query-states.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { useFormat } from '../../i18n/format.ts';
import { ActiveBackfills } from './active-backfills.tsx';
import { DatasetTotals } from './dataset-totals.tsx';
import { ProblemRuns } from './problem-runs.tsx';

function HealthReasons({ report }: { report: FreshnessResponse }) {
  const { t } = useTranslation();
  if (report.status === 'unmonitored') return <p>{t('overview.health.unmonitored')}</p>;
  const unhealthy = report.datasets.filter(
    (dataset) => dataset.status === 'stale' || dataset.status === 'degraded',
  );
  if (unhealthy.length === 0) return <p>{t('overview.health.healthy')}</p>;
  return (
    <ul>
      {unhealthy.map((dataset) => (
        <li key={dataset.dataset}>
          {t('overview.health.datasetLine', {
            dataset: dataset.dataset,
            stale: dataset.counts.stale,
            never: dataset.counts.never,
            series: dataset.counts.series,
          })}
        </li>
      ))}
    </ul>
  );
}

function seriesLabel(series: Record<string, unknown>, whole: string): string {
  const entries = Object.entries(series);
  return entries.length === 0
    ? whole
    : entries.map(([column, value]) => `${column}=${String(value)}`).join(', ');
}

function StaleSeries({ report }: { report: FreshnessResponse }) {
  const { t } = useTranslation();
  const format = useFormat();
  // Stalest first across datasets: the one that went stale earliest, then series that never had data.
  const stale = report.datasets
    .flatMap((dataset) => dataset.series)
    .filter((series) => series.status !== 'fresh')
    .sort((a, b) => (a.staleAt ?? '').localeCompare(b.staleAt ?? ''));
  if (stale.length === 0) return <p className="state state-empty">{t('overview.stale.empty')}</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{t('overview.stale.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('overview.stale.dataset')}</th>
            <th scope="col">{t('overview.stale.series')}</th>
            <th scope="col">{t('overview.stale.state')}</th>
            <th scope="col">{t('overview.stale.lastRecord')}</th>
            <th scope="col" className="num">
              {t('overview.stale.age')}
            </th>
            <th scope="col" className="num">
              {t('overview.stale.maxAge')}
            </th>
            <th scope="col">{t('overview.stale.provider')}</th>
          </tr>
        </thead>
        <tbody>
          {stale.map((series) => (
            <tr key={`${series.dataset}:${JSON.stringify(series.series)}`}>
              <td>{series.dataset}</td>
              <td>{seriesLabel(series.series, t('overview.stale.whole'))}</td>
              <td>
                <StatusBadge kind="series" status={series.status} />
              </td>
              <td>{format.dateTime(series.lastTime)}</td>
              <td className="num">{format.duration(series.ageMs)}</td>
              <td className="num">{series.maxAge}</td>
              <td>{series.provider ?? t('common.none')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function OverviewPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const freshness = useFreshness();
  return (
    <>
      <h1>{t('overview.title')}</h1>
      <section className="card" aria-labelledby="health-title">
        <h2 id="health-title">{t('overview.health.title')}</h2>
        <QueryView query={freshness}>
          {(report) => (
            <>
              <p className="health-line">
                <StatusBadge kind="health" status={report.status} />{' '}
                <span className="muted">
                  {t('overview.health.checkedAt', { time: format.relative(report.checkedAt) })}
                </span>
              </p>
              <HealthReasons report={report} />
            </>
          )}
        </QueryView>
      </section>
      <section className="card" aria-labelledby="stale-title">
        <h2 id="stale-title">{t('overview.stale.title')}</h2>
        <QueryView query={freshness}>{(report) => <StaleSeries report={report} />}</QueryView>
      </section>
      <ProblemRuns />
      <ActiveBackfills />
      <DatasetTotals />
    </>
  );
}

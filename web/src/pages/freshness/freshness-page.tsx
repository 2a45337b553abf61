// Freshness: every series with its last record, age, limit, provider and state; a stale-only filter
// (kept in the URL); "Refresh stale" for analysts and admins. Freshness and run events refresh it live.
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'wouter';
import { useAllFreshness } from '../../api/pipelines-queries.ts';
import { useSession } from '../../api/session.ts';
import type { DatasetFreshness, FreshnessResponse } from '../../api/types.ts';
import { Empty, QueryView } from '../../components/query-states.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { useFormat } from '../../i18n/format.ts';
import { RefreshStale } from './refresh-stale.tsx';

function seriesLabel(series: Record<string, unknown>, whole: string): string {
  const entries = Object.entries(series);
  return entries.length === 0
    ? whole
    : entries.map(([column, value]) => `${column}=${String(value)}`).join(', ');
}

function DatasetSeries({ dataset, staleOnly }: { dataset: DatasetFreshness; staleOnly: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  const rows = staleOnly ? dataset.series.filter((series) => series.status !== 'fresh') : dataset.series;
  const titleId = `freshness-${dataset.dataset}`;
  return (
    <section className="card" aria-labelledby={titleId}>
      <h2 id={titleId}>
        {dataset.dataset} <StatusBadge kind="health" status={dataset.status} />
      </h2>
      <p className="muted small">
        {dataset.maxAge === null
          ? t('freshness.unmonitored')
          : t('freshness.datasetLine', {
              maxAge: dataset.maxAge,
              series: format.number(dataset.counts.series),
              fresh: format.number(dataset.counts.fresh),
              stale: format.number(dataset.counts.stale),
              never: format.number(dataset.counts.never),
            })}
      </p>
      {dataset.series.length < dataset.counts.series && (
        <p className="muted small">
          {t('freshness.truncated', {
            shown: format.number(dataset.series.length),
            total: format.number(dataset.counts.series),
          })}
        </p>
      )}
      {dataset.maxAge === null && rows.length === 0 ? null : rows.length === 0 ? (
        <Empty>{staleOnly ? t('freshness.noneStale') : t('freshness.noSeries')}</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">
              {t('freshness.caption', { dataset: dataset.dataset })}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t('freshness.column.series')}</th>
                <th scope="col">{t('freshness.column.state')}</th>
                <th scope="col">{t('freshness.column.lastRecord')}</th>
                <th scope="col" className="num">
                  {t('freshness.column.age')}
                </th>
                <th scope="col" className="num">
                  {t('freshness.column.maxAge')}
                </th>
                <th scope="col">{t('freshness.column.provider')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((series) => (
                <tr key={JSON.stringify(series.series)}>
                  <td>{seriesLabel(series.series, t('freshness.whole'))}</td>
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
      )}
    </section>
  );
}

function Report({ report, staleOnly }: { report: FreshnessResponse; staleOnly: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <>
      <p className="health-line">
        <StatusBadge kind="health" status={report.status} />{' '}
        <span className="muted">
          {t('overview.health.checkedAt', { time: format.relative(report.checkedAt) })}
        </span>
      </p>
      {report.datasets.map((dataset) => (
        <DatasetSeries key={dataset.dataset} dataset={dataset} staleOnly={staleOnly} />
      ))}
    </>
  );
}

export function FreshnessPage() {
  const { t } = useTranslation();
  const session = useSession();
  const freshness = useAllFreshness();
  const [params, setParams] = useSearchParams();
  const staleOnly = params.get('stale') === '1';
  const canRefresh = session.kind === 'signed-in' && session.session.principal.role !== 'viewer';
  return (
    <>
      <h1>{t('freshness.title')}</h1>
      <div className="toolbar">
        <form
          className="filters"
          aria-label={t('freshness.filters')}
          onSubmit={(event) => event.preventDefault()}
        >
          <label className="checkbox">
            <input
              type="checkbox"
              checked={staleOnly}
              onChange={(event) =>
                setParams((current) => {
                  const next = new URLSearchParams(current);
                  if (event.target.checked) next.set('stale', '1');
                  else next.delete('stale');
                  return next;
                })
              }
            />
            <span>{t('freshness.staleOnly')}</span>
          </label>
        </form>
        {canRefresh && <RefreshStale />}
      </div>
      <QueryView
        query={freshness}
        isEmpty={(report) => report.datasets.length === 0}
        empty={t('freshness.empty')}
      >
        {(report) => <Report report={report} staleOnly={staleOnly} />}
      </QueryView>
    </>
  );
}

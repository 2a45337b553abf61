// Dataset page part: its size all time and over the last 7 and 30 days, quarantined records, last change.
import { useTranslation } from 'react-i18next';
import { useStats } from '../../api/queries.ts';
import type { DatasetStats } from '../../api/types.ts';
import { QueryView } from '../../components/query-states.tsx';
import { useFormat } from '../../i18n/format.ts';

function Card(props: { title: string; value: string; details: Array<string | undefined>; testId: string }) {
  return (
    <div className="stat-card" data-testid={props.testId}>
      <h3>{props.title}</h3>
      <p className="stat-value">{props.value}</p>
      {props.details.map(
        (detail) =>
          detail && (
            <p key={detail} className="muted">
              {detail}
            </p>
          ),
      )}
    </div>
  );
}

export function DatasetStatsCards({ name, time }: { name: string; time: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const week = useStats(7);
  const month = useStats(30);
  const of = (stats: { datasets: DatasetStats[] } | undefined) =>
    stats?.datasets.find((entry) => entry.dataset === name);
  return (
    <section aria-labelledby="stats-title">
      <h2 id="stats-title" className="visually-hidden">
        {t('dataset.stats.title')}
      </h2>
      <QueryView query={week}>
        {(data) => {
          const weekly = of(data);
          const monthly = of(month.data);
          if (!weekly) return null;
          const byTime = t('dataset.stats.byTime', { column: time });
          const inRange = (stats: DatasetStats | undefined) =>
            stats ? format.number(stats.rowsInRange) : t('common.none');
          const inserted = (stats: DatasetStats | undefined) =>
            stats
              ? t('dataset.stats.inserted', {
                  count: stats.insertedInRange,
                  value: format.number(stats.insertedInRange),
                })
              : undefined;
          return (
            <div className="stat-cards">
              <Card
                testId="stat-all"
                title={t('dataset.stats.allTime')}
                value={format.number(weekly.rows)}
                details={[
                  t('dataset.stats.span', {
                    from: format.dateTime(weekly.firstTime),
                    to: format.dateTime(weekly.lastTime),
                  }),
                ]}
              />
              <Card
                testId="stat-7"
                title={t('dataset.stats.last7')}
                value={inRange(weekly)}
                details={[byTime, inserted(weekly)]}
              />
              <Card
                testId="stat-30"
                title={t('dataset.stats.last30')}
                value={inRange(monthly)}
                details={[byTime, inserted(monthly)]}
              />
              <Card
                testId="stat-quarantined"
                title={t('dataset.stats.quarantined')}
                value={format.number(weekly.quarantined)}
                details={[t('dataset.stats.lastChanged', { time: format.dateTime(weekly.lastChangedAt) })]}
              />
            </div>
          );
        }}
      </QueryView>
    </section>
  );
}

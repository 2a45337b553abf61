// Overview part: backfills that are running, with how many of their partitions are done.
import { useTranslation } from 'react-i18next';
import { useActiveBackfills } from '../../api/queries.ts';
import { QueryView } from '../../components/query-states.tsx';
import { shortId } from '../../components/run-table.tsx';
import { useFormat } from '../../i18n/format.ts';

export function ActiveBackfills() {
  const { t } = useTranslation();
  const format = useFormat();
  const backfills = useActiveBackfills();
  return (
    <section className="card" aria-labelledby="backfills-title">
      <h2 id="backfills-title">{t('overview.backfills.title')}</h2>
      <QueryView
        query={backfills}
        isEmpty={(data) => data.backfills.length === 0}
        empty={t('overview.backfills.empty')}
      >
        {(data) => (
          <ul className="backfills">
            {data.backfills.map((backfill) => {
              const { counts } = backfill;
              const done = counts.succeeded + counts.failed + counts.skipped + counts.cancelled;
              const label = t('overview.backfills.progress', {
                done: format.number(done),
                total: format.number(counts.total),
              });
              return (
                <li key={backfill.id}>
                  <div className="backfill-head">
                    <strong>{backfill.pipeline}</strong>{' '}
                    <span className="mono muted">{shortId(backfill.id)}</span>{' '}
                    <span>
                      {t('overview.backfills.range', {
                        from: format.day(backfill.from),
                        to: format.day(backfill.to),
                      })}
                    </span>
                  </div>
                  <progress max={Math.max(counts.total, 1)} value={done} aria-label={label} />
                  <span>
                    {label} ({format.percent(counts.total === 0 ? 0 : done / counts.total)})
                    {counts.failed > 0 && (
                      <> · {t('overview.backfills.failedCount', { count: counts.failed })}</>
                    )}
                  </span>
                </li>
              );
            })}
          </ul>
        )}
      </QueryView>
    </section>
  );
}

// Backfills: every backfill newest first with progress, rate and time left, and the form that starts one.
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { useBackfills } from '../../api/backfill-queries.ts';
import type { BackfillSummary } from '../../api/types.ts';
import { QueryView } from '../../components/query-states.tsx';
import { shortId } from '../../components/run-table.tsx';
import { type Formatters, useFormat } from '../../i18n/format.ts';
import { BackfillBadge, useRole } from './backfill-badge.tsx';
import { backfillProgress, canSteer } from './backfill-progress.ts';
import { CreateBackfillForm } from './create-backfill-form.tsx';

export function rangeText(
  backfill: BackfillSummary,
  format: Formatters,
  t: ReturnType<typeof useTranslation>['t'],
): string {
  if (backfill.from === null || backfill.to === null) return t('backfills.wholeRange');
  return t('backfills.range', { from: format.day(backfill.from), to: format.day(backfill.to) });
}

function BackfillRow({ backfill, now }: { backfill: BackfillSummary; now: number }) {
  const { t } = useTranslation();
  const format = useFormat();
  const progress = backfillProgress(backfill, now);
  const done = t('backfills.done', {
    done: format.number(progress.done),
    total: format.number(progress.total),
  });
  return (
    <tr>
      <td>
        <Link href={`/backfills/${backfill.id}`} className="mono">
          {shortId(backfill.id)}
        </Link>
      </td>
      <td>{backfill.pipeline}</td>
      <td>
        <BackfillBadge status={backfill.status} />
      </td>
      <td>{rangeText(backfill, format, t)}</td>
      <td className="progress-cell">
        <progress max={Math.max(progress.total, 1)} value={progress.done} aria-label={done} />
        <span>
          {format.percent(progress.fraction)} · {done}
        </span>
      </td>
      <td className="num">{format.number(backfill.counts.failed)}</td>
      <td className="num">
        {t('backfills.rate', { rate: format.number(Math.round(progress.perMinute * 10) / 10) })}
      </td>
      <td className="num">
        {progress.etaMs === undefined ? t('common.none') : format.duration(progress.etaMs)}
      </td>
      <td>{format.dateTime(backfill.createdAt)}</td>
    </tr>
  );
}

export function BackfillsPage() {
  const { t } = useTranslation();
  const backfills = useBackfills();
  const role = useRole();
  const now = Date.now();
  return (
    <>
      <h1>{t('backfills.title')}</h1>
      {canSteer(role) && <CreateBackfillForm />}
      <section className="card" aria-labelledby="backfill-list-title">
        <h2 id="backfill-list-title">{t('backfills.listTitle')}</h2>
        <QueryView
          query={backfills}
          isEmpty={(data) => data.backfills.length === 0}
          empty={t('backfills.empty')}
        >
          {(data) => (
            <div className="table-wrap">
              <table data-testid="backfill-list">
                <caption className="visually-hidden">{t('backfills.listTitle')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('backfills.column.id')}</th>
                    <th scope="col">{t('backfills.column.pipeline')}</th>
                    <th scope="col">{t('backfills.column.status')}</th>
                    <th scope="col">{t('backfills.column.range')}</th>
                    <th scope="col">{t('backfills.column.progress')}</th>
                    <th scope="col" className="num">
                      {t('backfills.column.failed')}
                    </th>
                    <th scope="col" className="num">
                      {t('backfills.column.rate')}
                    </th>
                    <th scope="col" className="num">
                      {t('backfills.column.eta')}
                    </th>
                    <th scope="col">{t('backfills.column.createdAt')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.backfills.map((backfill) => (
                    <BackfillRow key={backfill.id} backfill={backfill} now={now} />
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

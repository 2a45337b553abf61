// One backfill: what it covers, its progress, rate and time left, the actions, and its time × key
// grid whose cells open the partition in a dialog. Live through the backfill:* events (live.ts).
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { useBackfill } from '../../api/backfill-queries.ts';
import { ApiError } from '../../api/client.ts';
import type { BackfillDetailResponse } from '../../api/types.ts';
import { Empty, ErrorState, Loading } from '../../components/query-states.tsx';
import { shortId } from '../../components/run-table.tsx';
import { useFormat } from '../../i18n/format.ts';
import { BackfillActions } from './backfill-actions.tsx';
import { BackfillBadge, useRole } from './backfill-badge.tsx';
import { backfillProgress, canSteer } from './backfill-progress.ts';
import { rangeText } from './backfills-page.tsx';
import { PartitionDialog } from './partition-dialog.tsx';
import { PartitionGrid } from './partition-grid.tsx';

function BackfillDetail({ detail }: { detail: BackfillDetailResponse }) {
  const { t } = useTranslation();
  const format = useFormat();
  const role = useRole();
  const [selected, setSelected] = useState<number | undefined>(undefined);
  const { backfill } = detail;
  const progress = backfillProgress(backfill, Date.now());
  const partition = selected === undefined ? undefined : detail.partitions[selected];
  const facts: Array<[string, string]> = [
    [t('backfill.facts.pipeline'), backfill.pipeline],
    [t('backfill.facts.range'), rangeText(backfill, format, t)],
    [t('backfill.facts.keys'), backfill.keys.length ? backfill.keys.join(', ') : t('backfill.facts.allKeys')],
    [t('backfill.facts.concurrency'), format.number(backfill.concurrency)],
    [t('backfill.facts.createdBy'), backfill.createdBy],
    [t('backfill.facts.createdAt'), format.dateTime(backfill.createdAt)],
    [t('backfill.facts.finishedAt'), format.dateTime(backfill.finishedAt)],
  ];
  return (
    <>
      <div className="title-row">
        <h1>
          {t('backfill.title', { id: shortId(backfill.id) })} <BackfillBadge status={backfill.status} />
        </h1>
        {canSteer(role) && <BackfillActions backfill={backfill} />}
      </div>
      <section className="card">
        <dl className="facts">
          {facts.map(([term, value]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section className="card" aria-labelledby="bf-progress-title">
        <h2 id="bf-progress-title">{t('backfill.progress.title')}</h2>
        <progress
          className="bf-progress"
          max={Math.max(progress.total, 1)}
          value={progress.done}
          aria-labelledby="bf-progress-text"
        />
        <p className="bf-progress-line">
          <span id="bf-progress-text" data-testid="progress-text">
            {t('backfill.progress.done', {
              done: format.number(progress.done),
              total: format.number(progress.total),
              percent: format.percent(progress.fraction),
            })}
          </span>
          <span>
            {t('backfill.progress.rate')}:{' '}
            {t('backfills.rate', { rate: format.number(Math.round(progress.perMinute * 10) / 10) })}
          </span>
          <span>
            {t('backfill.progress.eta')}:{' '}
            {progress.etaMs === undefined ? t('backfill.progress.etaNone') : format.duration(progress.etaMs)}
          </span>
        </p>
      </section>
      <section className="card" aria-labelledby="bf-grid-title">
        <h2 id="bf-grid-title">{t('backfill.grid.title')}</h2>
        <PartitionGrid detail={detail} onOpen={setSelected} />
      </section>
      {partition && (
        <PartitionDialog
          backfillId={backfill.id}
          partition={partition}
          canRetry={canSteer(role)}
          onClose={() => setSelected(undefined)}
        />
      )}
    </>
  );
}

export function BackfillDetailPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const backfill = useBackfill(id);
  return (
    <>
      <p>
        <Link href="/backfills">← {t('backfill.back')}</Link>
      </p>
      {backfill.isPending ? (
        <Loading />
      ) : backfill.data ? (
        <BackfillDetail detail={backfill.data} />
      ) : backfill.error instanceof ApiError && backfill.error.problem.status === 404 ? (
        <Empty>{t('backfill.notFound')}</Empty>
      ) : (
        <ErrorState error={backfill.error} onRetry={() => void backfill.refetch()} />
      )}
    </>
  );
}

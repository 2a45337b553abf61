// Pipelines part: the run a trigger queued, followed live (run events invalidate it) until it ends
// with what the database inserted, updated and left unchanged.
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { useRun } from '../../api/queries.ts';
import { ErrorState } from '../../components/query-states.tsx';
import { shortId } from '../../components/run-table.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { useFormat } from '../../i18n/format.ts';

const COUNTS = ['inserted', 'updated', 'unchanged', 'rejected'] as const;

export function LiveRun({ runId }: { runId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const query = useRun(runId);
  const run = query.data?.run;
  const ended = run !== undefined && run.status !== 'queued' && run.status !== 'running';
  return (
    <div className="live-run" data-testid="live-run" aria-live="polite">
      <p>
        <Link href={`/runs/${runId}`}>{t('pipelines.trigger.run', { id: shortId(runId) })}</Link>{' '}
        {run ? <StatusBadge kind="run" status={run.status} /> : t('common.loading')}
      </p>
      {query.error && !run && <ErrorState error={query.error} onRetry={() => void query.refetch()} />}
      {ended && (
        <>
          <p className="muted">
            {t('pipelines.trigger.ended', { duration: format.duration(run.durationMs) })}
          </p>
          <dl className="facts counts-row">
            {COUNTS.map((name) => (
              <div key={name}>
                <dt>{t(`run.counts.${name}`)}</dt>
                <dd>{format.number(run[name])}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
    </div>
  );
}

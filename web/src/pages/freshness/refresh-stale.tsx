// Freshness part: "Refresh stale" for analysts and admins — the pipelines feeding stale series are
// triggered once each — and what the server did: triggered runs, skipped pipelines and why.
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { useRefreshStale } from '../../api/pipelines-queries.ts';
import type { RefreshStaleResult } from '../../api/types.ts';
import { shortId } from '../../components/run-table.tsx';
import { useFormat } from '../../i18n/format.ts';

/** Stalest series the refresh considers: all a page shows. */
const REFRESH_LIMIT = 1000;

function RefreshOutcome({ outcome }: { outcome: RefreshStaleResult }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <div className="refresh-outcome" data-testid="refresh-outcome" role="status">
      <p>
        {t('freshness.refresh.considered', {
          count: outcome.stale.length,
          shown: format.number(outcome.stale.length),
        })}
      </p>
      {outcome.triggered.length === 0 && outcome.skipped.length === 0 && (
        <p>{t('freshness.refresh.nothing')}</p>
      )}
      <ul>
        {outcome.triggered.map((entry) => (
          <li key={entry.runId}>
            {t('freshness.refresh.triggered', { pipeline: entry.pipeline, dataset: entry.dataset })}{' '}
            <Link href={`/runs/${entry.runId}`}>
              {t('pipelines.trigger.run', { id: shortId(entry.runId) })}
            </Link>
          </li>
        ))}
        {outcome.skipped.map((entry) => (
          <li key={`skipped-${entry.pipeline}`}>
            {t('freshness.refresh.skipped', { pipeline: entry.pipeline, reason: entry.reason })}
          </li>
        ))}
        {outcome.datasetsWithoutPipeline.map((dataset) => (
          <li key={`orphan-${dataset}`}>{t('freshness.refresh.noPipeline', { dataset })}</li>
        ))}
      </ul>
    </div>
  );
}

export function RefreshStale() {
  const { t } = useTranslation();
  const refresh = useRefreshStale();
  return (
    <>
      <button
        type="button"
        className="primary"
        disabled={refresh.isPending}
        onClick={() => refresh.mutate({ limit: REFRESH_LIMIT })}
      >
        {refresh.isPending ? t('freshness.refresh.running') : t('freshness.refresh.button')}
      </button>
      {refresh.error && (
        <p role="alert" className="notice notice-error">
          {t('freshness.refresh.failed', { detail: refresh.error.message })}
        </p>
      )}
      {refresh.data && <RefreshOutcome outcome={refresh.data} />}
    </>
  );
}

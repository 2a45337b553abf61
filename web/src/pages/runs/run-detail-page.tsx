// One run: what it is, its counts and timings, the providers it tried, errors, quality and rejected samples.
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { ApiError } from '../../api/client.ts';
import { useRun } from '../../api/queries.ts';
import type { RunDetailResponse } from '../../api/types.ts';
import { Empty, ErrorState, Loading } from '../../components/query-states.tsx';
import { shortId } from '../../components/run-table.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { useFormat } from '../../i18n/format.ts';
import { CancelRunButton } from './cancel-run-button.tsx';
import { RunQualitySection } from './run-quality.tsx';

function Facts({ entries }: { entries: Array<[string, string]> }) {
  return (
    <dl className="facts">
      {entries.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function RunDetail({ detail }: { detail: RunDetailResponse }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { run } = detail;
  const none = t('common.none');
  const providers = run.report?.providers ?? [];
  const errors = run.report?.errors.length ? run.report.errors : run.errors;
  return (
    <>
      <div className="title-row">
        <h1>
          {t('run.title', { id: shortId(run.id) })} <StatusBadge kind="run" status={run.status} />
        </h1>
        <CancelRunButton run={run} />
      </div>
      <p className="mono muted">{run.id}</p>
      <section className="card">
        <Facts
          entries={[
            [t('run.facts.pipeline'), run.pipeline],
            [t('run.facts.dataset'), run.dataset],
            [t('run.facts.trigger'), run.trigger],
            [t('run.facts.attempt'), format.number(run.attempt)],
            [t('run.facts.partition'), run.partitionKey ?? none],
            [t('run.facts.provider'), run.provider ?? none],
            [t('run.facts.upstream'), run.upstreamExecutionId ?? none],
          ]}
        />
      </section>
      <div className="columns">
        <section className="card" aria-labelledby="counts-title">
          <h2 id="counts-title">{t('run.counts.title')}</h2>
          <Facts
            entries={(
              [
                'fetched',
                'produced',
                'valid',
                'rejected',
                'inserted',
                'updated',
                'unchanged',
                'duplicateKeys',
              ] as const
            ).map((name) => [t(`run.counts.${name}`), format.number(run[name])])}
          />
        </section>
        <section className="card" aria-labelledby="timings-title">
          <h2 id="timings-title">{t('run.timings.title')}</h2>
          <Facts
            entries={[
              [t('run.timings.queuedAt'), format.dateTime(run.queuedAt)],
              [t('run.timings.startedAt'), format.dateTime(run.startedAt)],
              [t('run.timings.finishedAt'), format.dateTime(run.finishedAt)],
              [t('run.timings.duration'), format.duration(run.durationMs)],
              [t('run.timings.write'), format.duration(run.report?.timings?.writeMs ?? null)],
            ]}
          />
        </section>
      </div>
      {providers.length > 0 && (
        <section className="card" aria-labelledby="providers-title">
          <h2 id="providers-title">{t('run.providers.title')}</h2>
          <ol>
            {providers.map((attempt) => (
              <li key={`${attempt.provider}:${attempt.outcome}:${attempt.message ?? ''}`}>
                <strong>{attempt.provider}</strong>: {attempt.outcome}
                {attempt.message && <> ({attempt.message})</>}
              </li>
            ))}
          </ol>
        </section>
      )}
      <section className="card" aria-labelledby="errors-title">
        <h2 id="errors-title">{t('run.errors.title')}</h2>
        {errors.length === 0 ? (
          <Empty>{t('run.errors.empty')}</Empty>
        ) : (
          <ul className="errors">
            {errors.map((error) => (
              <li key={`${error.at}:${error.code}:${error.message}`}>
                <p>
                  <code>{error.code}</code> {error.message}{' '}
                  <span className="muted">{format.dateTime(error.at)}</span>
                </p>
                {error.stack && (
                  <details>
                    <summary>{t('run.errors.stack')}</summary>
                    <pre>{error.stack}</pre>
                  </details>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      {(run.report?.warnings?.length ?? 0) > 0 && (
        <section className="card" aria-labelledby="warnings-title">
          <h2 id="warnings-title">{t('run.warnings.title')}</h2>
          <ul>
            {run.report?.warnings?.map((warning) => (
              <li key={`${warning.code}-${warning.message}`}>
                <code>{warning.code}</code> {warning.message}
              </li>
            ))}
          </ul>
        </section>
      )}
      <RunQualitySection detail={detail} />
    </>
  );
}

export function RunDetailPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const run = useRun(id);
  return (
    <>
      <p>
        <Link href="/runs">← {t('run.back')}</Link>
      </p>
      {run.isPending ? (
        <Loading />
      ) : run.data ? (
        <RunDetail detail={run.data} />
      ) : run.error instanceof ApiError && run.error.problem.status === 404 ? (
        <Empty>{t('run.notFound')}</Empty>
      ) : (
        <ErrorState error={run.error} onRetry={() => void run.refetch()} />
      )}
    </>
  );
}

// Runs: the history filtered by pipeline and status (kept in the URL), paged by the API's nextCursor.
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'wouter';
import { usePipelines, useRuns } from '../../api/queries.ts';
import { RUN_STATUSES, type RunStatus } from '../../api/types.ts';
import { Empty, ErrorState, Loading } from '../../components/query-states.tsx';
import { RunTable } from '../../components/run-table.tsx';

function isRunStatus(value: string | null): value is RunStatus {
  return RUN_STATUSES.some((status) => status === value);
}

export function RunsPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const pipeline = params.get('pipeline') || undefined;
  const statusParam = params.get('status');
  const status = isRunStatus(statusParam) ? statusParam : undefined;
  const pipelines = usePipelines();
  const runs = useRuns({ pipeline, status });

  const setFilter = (name: 'pipeline' | 'status', value: string) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (value) next.set(name, value);
      else next.delete(name);
      return next;
    });

  const list = runs.data?.pages.flatMap((page) => page.runs) ?? [];
  return (
    <>
      <h1>{t('runs.title')}</h1>
      <form className="filters" aria-label={t('runs.filters')} onSubmit={(event) => event.preventDefault()}>
        <label>
          <span>{t('runs.pipeline')}</span>
          <select value={pipeline ?? ''} onChange={(event) => setFilter('pipeline', event.target.value)}>
            <option value="">{t('runs.all')}</option>
            {(pipelines.data?.pipelines ?? []).map((entry) => (
              <option key={entry.name} value={entry.name}>
                {entry.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{t('runs.status')}</span>
          <select value={status ?? ''} onChange={(event) => setFilter('status', event.target.value)}>
            <option value="">{t('runs.all')}</option>
            {RUN_STATUSES.map((entry) => (
              <option key={entry} value={entry}>
                {t(`status.run.${entry}`)}
              </option>
            ))}
          </select>
        </label>
      </form>
      <section className="card" aria-label={t('runs.title')}>
        {runs.isPending ? (
          <Loading />
        ) : runs.isError && list.length === 0 ? (
          <ErrorState error={runs.error} onRetry={() => void runs.refetch()} />
        ) : list.length === 0 ? (
          <Empty>{t('runs.empty')}</Empty>
        ) : (
          <>
            <RunTable runs={list} caption={t('runs.title')} />
            <div className="pager">
              <span className="muted">{t('runs.shown', { count: list.length })}</span>
              {runs.hasNextPage && (
                <button
                  type="button"
                  onClick={() => void runs.fetchNextPage()}
                  disabled={runs.isFetchingNextPage}
                >
                  {runs.isFetchingNextPage ? t('runs.loadingMore') : t('runs.loadMore')}
                </button>
              )}
            </div>
            {runs.isFetchNextPageError && (
              <ErrorState error={runs.error} onRetry={() => void runs.fetchNextPage()} />
            )}
          </>
        )}
      </section>
    </>
  );
}

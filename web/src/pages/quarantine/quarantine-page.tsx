// Quarantine: every rejected record with its issues and raw value, filtered by dataset, run, stage
// and reason, paged by the API's cursor; a run's records can be replayed from here (analyst+).
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client.ts';
import { useQuarantine } from '../../api/dataset-queries.ts';
import { Empty, ErrorState, Loading } from '../../components/query-states.tsx';
import { useFormat } from '../../i18n/format.ts';
import { QuarantineFiltersForm, useQuarantineFilters } from './quarantine-filters.tsx';
import { QuarantinedRecordItem } from './quarantined-record.tsx';
import { ReplayPanel } from './replay-panel.tsx';

export function QuarantinePage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { filters, apply } = useQuarantineFilters();
  const records = useQuarantine(filters);
  const list = records.data?.pages.flatMap((page) => page.records) ?? [];
  const reasons = [...new Set(list.flatMap((record) => record.issues.map((issue) => issue.code)))].sort();
  // An unknown dataset or run, or an ambiguous run prefix: the filter is wrong, not the page.
  const filterProblem =
    records.error instanceof ApiError && [400, 404].includes(records.error.problem.status)
      ? records.error.message
      : undefined;
  return (
    <>
      <h1>{t('quarantine.title')}</h1>
      <p className="muted">{t('quarantine.intro')}</p>
      <QuarantineFiltersForm
        key={JSON.stringify(filters)}
        filters={filters}
        reasons={reasons}
        onApply={apply}
      />
      {filters.run && filterProblem === undefined && <ReplayPanel key={filters.run} run={filters.run} />}
      <section aria-label={t('quarantine.listLabel')}>
        {records.isPending ? (
          <Loading />
        ) : filterProblem !== undefined ? (
          <Empty>{t('quarantine.notFound', { detail: filterProblem })}</Empty>
        ) : records.isError && list.length === 0 ? (
          <ErrorState error={records.error} onRetry={() => void records.refetch()} />
        ) : list.length === 0 ? (
          <Empty>{t('quarantine.empty')}</Empty>
        ) : (
          <>
            <ol className="quarantine-list">
              {list.map((record) => (
                <QuarantinedRecordItem key={record.id} record={record} />
              ))}
            </ol>
            <div className="pager">
              <span className="muted">
                {t('quarantine.shown', { count: list.length, value: format.number(list.length) })}
              </span>
              {records.hasNextPage && (
                <button
                  type="button"
                  onClick={() => void records.fetchNextPage()}
                  disabled={records.isFetchingNextPage}
                >
                  {records.isFetchingNextPage ? t('quarantine.loadingMore') : t('quarantine.loadMore')}
                </button>
              )}
            </div>
            {records.isFetchNextPageError && (
              <ErrorState error={records.error} onRetry={() => void records.fetchNextPage()} />
            )}
          </>
        )}
      </section>
    </>
  );
}

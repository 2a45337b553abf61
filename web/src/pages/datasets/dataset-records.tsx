// Dataset page part: the filtered records newest first, paged by the API's cursor, with a CSV export of the same filter.
import { useTranslation } from 'react-i18next';
import { CSV_ROWS, csvHref, type RecordFilters, useDatasetRecords } from '../../api/dataset-queries.ts';
import type { DatasetSummary } from '../../api/types.ts';
import { Empty, ErrorState, Loading } from '../../components/query-states.tsx';
import { useFormat } from '../../i18n/format.ts';
import { RecordTable } from './record-table.tsx';

export function DatasetRecords({ dataset, filters }: { dataset: DatasetSummary; filters: RecordFilters }) {
  const { t } = useTranslation();
  const format = useFormat();
  const records = useDatasetRecords(dataset.name, filters);
  const list = records.data?.pages.flatMap((page) => page.records) ?? [];
  return (
    <>
      <p className="records-actions">
        <a href={csvHref(dataset.name, filters)} download={`${dataset.name}.csv`} data-testid="csv-export">
          {t('dataset.records.csv')}
        </a>{' '}
        <span className="muted">
          {t('dataset.records.csvNote', { count: CSV_ROWS, value: format.number(CSV_ROWS) })}
        </span>
      </p>
      {records.isPending ? (
        <Loading />
      ) : records.isError && list.length === 0 ? (
        <ErrorState error={records.error} onRetry={() => void records.refetch()} />
      ) : list.length === 0 ? (
        <Empty>{t('dataset.records.empty')}</Empty>
      ) : (
        <>
          <RecordTable
            dataset={dataset}
            records={list}
            caption={t('dataset.records.title')}
            captionHidden
            testId="records"
          />
          <div className="pager">
            <span className="muted">
              {t('dataset.records.shown', { count: list.length, value: format.number(list.length) })}
            </span>
            {records.hasNextPage && (
              <button
                type="button"
                onClick={() => void records.fetchNextPage()}
                disabled={records.isFetchingNextPage}
              >
                {records.isFetchingNextPage
                  ? t('dataset.records.loadingMore')
                  : t('dataset.records.loadMore')}
              </button>
            )}
          </div>
          {records.isFetchNextPageError && (
            <ErrorState error={records.error} onRetry={() => void records.fetchNextPage()} />
          )}
        </>
      )}
    </>
  );
}

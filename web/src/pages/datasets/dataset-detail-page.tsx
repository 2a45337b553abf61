// One dataset: its size over time, schema, latest records per provider, a chart of a numeric
// column per series and the records themselves, filtered by key and time and exported as CSV.
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { useDatasets } from '../../api/dataset-queries.ts';
import type { DatasetSummary } from '../../api/types.ts';
import { Empty, ErrorState, Loading } from '../../components/query-states.tsx';
import { DatasetPreview } from './dataset-preview.tsx';
import { DatasetRecords } from './dataset-records.tsx';
import { DatasetSchema } from './dataset-schema.tsx';
import { DatasetStatsCards } from './dataset-stats.tsx';
import { RecordFiltersForm, useRecordFilters } from './record-filters.tsx';
import { SeriesChart } from './series-chart.tsx';

function DatasetDetail({ dataset }: { dataset: DatasetSummary }) {
  const { t } = useTranslation();
  const { filters, apply } = useRecordFilters(dataset);
  return (
    <>
      <h1>{t('dataset.title', { name: dataset.name })}</h1>
      {dataset.description && <p>{dataset.description}</p>}
      <DatasetStatsCards name={dataset.name} time={dataset.time} />
      <DatasetSchema dataset={dataset} />
      <DatasetPreview dataset={dataset} />
      <section className="card" aria-labelledby="records-title">
        <h2 id="records-title">{t('dataset.records.title')}</h2>
        {/* Keyed by the URL's filters so that going back in history resets the inputs too. */}
        <RecordFiltersForm
          key={JSON.stringify(filters)}
          dataset={dataset}
          filters={filters}
          onApply={apply}
        />
        <DatasetRecords dataset={dataset} filters={filters} />
      </section>
      <SeriesChart dataset={dataset} filters={filters} />
    </>
  );
}

export function DatasetDetailPage({ name }: { name: string }) {
  const { t } = useTranslation();
  const datasets = useDatasets();
  const dataset = datasets.data?.datasets.find((entry) => entry.name === name);
  return (
    <>
      <p>
        <Link href="/datasets">← {t('dataset.back')}</Link>
      </p>
      {datasets.isPending ? (
        <Loading />
      ) : dataset ? (
        <DatasetDetail dataset={dataset} />
      ) : datasets.data ? (
        <Empty>{t('dataset.notFound', { name })}</Empty>
      ) : (
        <ErrorState error={datasets.error} onRetry={() => void datasets.refetch()} />
      )}
    </>
  );
}

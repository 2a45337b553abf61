// Dataset page part: the latest five records of each provider that served the dataset.
import { useTranslation } from 'react-i18next';
import { useDatasetPreview } from '../../api/dataset-queries.ts';
import type { DatasetSummary } from '../../api/types.ts';
import { QueryView } from '../../components/query-states.tsx';
import { RecordTable } from './record-table.tsx';

export function DatasetPreview({ dataset }: { dataset: DatasetSummary }) {
  const { t } = useTranslation();
  const preview = useDatasetPreview(dataset.name);
  return (
    <section className="card" aria-labelledby="preview-title">
      <h2 id="preview-title">{t('dataset.preview.title')}</h2>
      <QueryView
        query={preview}
        isEmpty={(data) => data.providers.length === 0}
        empty={t('dataset.preview.empty')}
      >
        {(data) =>
          data.providers.map((entry) => {
            const provider = entry.provider ?? t('dataset.preview.unknownProvider');
            return (
              <RecordTable
                key={provider}
                dataset={dataset}
                records={entry.records}
                caption={t('dataset.preview.provider', { provider })}
                testId={`preview-${provider}`}
              />
            );
          })
        }
      </QueryView>
    </section>
  );
}

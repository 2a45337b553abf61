// Quarantine part: the filters (dataset, run, stage, reason, pending only), kept in the URL so that
// a run's page can link to its quarantine.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'wouter';
import { type QuarantineFilters, useDatasets } from '../../api/dataset-queries.ts';
import { REJECTION_STAGES, type RejectionStage } from '../../api/types.ts';

function isStage(value: string | null): value is RejectionStage {
  return REJECTION_STAGES.some((stage) => stage === value);
}

export function useQuarantineFilters() {
  const [params, setParams] = useSearchParams();
  const stage = params.get('stage');
  const filters: QuarantineFilters = {
    dataset: params.get('dataset') || undefined,
    run: params.get('run') || undefined,
    stage: isStage(stage) ? stage : undefined,
    reason: params.get('reason') || undefined,
    pending: params.get('pending') === 'true',
  };
  const apply = (next: QuarantineFilters) =>
    setParams(() => {
      const query = new URLSearchParams();
      for (const name of ['dataset', 'run', 'stage', 'reason'] as const) {
        const value = next[name]?.trim();
        if (value) query.set(name, value);
      }
      if (next.pending) query.set('pending', 'true');
      return query;
    });
  return { filters, apply };
}

export function QuarantineFiltersForm(props: {
  filters: QuarantineFilters;
  /** Issue codes seen on the loaded pages, offered as suggestions for the reason. */
  reasons: string[];
  onApply: (filters: QuarantineFilters) => void;
}) {
  const { t } = useTranslation();
  const datasets = useDatasets();
  const [draft, setDraft] = useState<QuarantineFilters>(props.filters);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onApply(draft);
  };
  const clear = () => {
    const none: QuarantineFilters = {
      dataset: undefined,
      run: undefined,
      stage: undefined,
      reason: undefined,
      pending: false,
    };
    setDraft(none);
    props.onApply(none);
  };
  return (
    <form className="filters" aria-label={t('quarantine.filters.label')} onSubmit={submit}>
      <label>
        <span>{t('quarantine.filters.dataset')}</span>
        <select
          value={draft.dataset ?? ''}
          onChange={(event) => setDraft({ ...draft, dataset: event.target.value || undefined })}
        >
          <option value="">{t('quarantine.filters.all')}</option>
          {(datasets.data?.datasets ?? []).map((dataset) => (
            <option key={dataset.name} value={dataset.name}>
              {dataset.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>{t('quarantine.filters.run')}</span>
        <input
          value={draft.run ?? ''}
          onChange={(event) => setDraft({ ...draft, run: event.target.value || undefined })}
          placeholder={t('quarantine.filters.runPlaceholder')}
          spellCheck={false}
        />
      </label>
      <label>
        <span>{t('quarantine.filters.stage')}</span>
        <select
          value={draft.stage ?? ''}
          onChange={(event) => {
            const value = event.target.value;
            setDraft({ ...draft, stage: isStage(value) ? value : undefined });
          }}
        >
          <option value="">{t('quarantine.filters.all')}</option>
          {REJECTION_STAGES.map((stage) => (
            <option key={stage} value={stage}>
              {t(`quarantine.stage.${stage}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>{t('quarantine.filters.reason')}</span>
        <input
          value={draft.reason ?? ''}
          onChange={(event) => setDraft({ ...draft, reason: event.target.value || undefined })}
          list="quarantine-reasons"
          placeholder={t('quarantine.filters.reasonPlaceholder')}
          spellCheck={false}
        />
        <datalist id="quarantine-reasons">
          {props.reasons.map((reason) => (
            <option key={reason} value={reason} />
          ))}
        </datalist>
      </label>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={draft.pending}
          onChange={(event) => setDraft({ ...draft, pending: event.target.checked })}
        />
        <span>{t('quarantine.filters.pending')}</span>
      </label>
      <div className="filter-actions">
        <button type="submit" className="primary">
          {t('quarantine.filters.apply')}
        </button>
        <button type="button" onClick={clear}>
          {t('quarantine.filters.clear')}
        </button>
      </div>
    </form>
  );
}

// Dataset page part: the filters on key columns and the time range, read from and written to the URL
// so a filtered view can be shared; the records table and the chart both follow them.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'wouter';
import type { RecordFilters } from '../../api/dataset-queries.ts';
import type { DatasetSummary } from '../../api/types.ts';

/** The key columns a person filters on: all but the time column, which has the range instead. */
export function filterColumns(dataset: DatasetSummary): string[] {
  return dataset.key.filter((name) => name !== dataset.time);
}

const pad = (value: number) => String(value).padStart(2, '0');

/** An instant as a datetime-local input shows it: in the viewer's zone, to the minute. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local value is the viewer's local time; the API takes an instant. */
function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function useRecordFilters(dataset: DatasetSummary | undefined) {
  const [params, setParams] = useSearchParams();
  const keys: Record<string, string> = {};
  for (const name of dataset ? filterColumns(dataset) : []) {
    const value = params.get(name);
    if (value) keys[name] = value;
  }
  const filters: RecordFilters = {
    keys,
    from: params.get('from') || undefined,
    to: params.get('to') || undefined,
  };
  const apply = (next: RecordFilters) =>
    setParams(() => {
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(next.keys)) if (value) query.set(name, value);
      if (next.from) query.set('from', next.from);
      if (next.to) query.set('to', next.to);
      return query;
    });
  return { filters, apply };
}

export function RecordFiltersForm(props: {
  dataset: DatasetSummary;
  filters: RecordFilters;
  onApply: (filters: RecordFilters) => void;
}) {
  const { t } = useTranslation();
  const columns = filterColumns(props.dataset);
  const [keys, setKeys] = useState<Record<string, string>>(props.filters.keys);
  const [from, setFrom] = useState(toLocalInput(props.filters.from));
  const [to, setTo] = useState(toLocalInput(props.filters.to));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onApply({ keys, from: fromLocalInput(from), to: fromLocalInput(to) });
  };
  const clear = () => {
    setKeys({});
    setFrom('');
    setTo('');
    props.onApply({ keys: {}, from: undefined, to: undefined });
  };
  return (
    <form className="filters" aria-label={t('dataset.filters.label')} onSubmit={submit}>
      {columns.map((name) => (
        <label key={name}>
          <span>{name}</span>
          <input
            value={keys[name] ?? ''}
            onChange={(event) => setKeys({ ...keys, [name]: event.target.value })}
            placeholder={t('dataset.filters.any')}
          />
        </label>
      ))}
      <label>
        <span>{t('dataset.filters.from', { column: props.dataset.time })}</span>
        <input type="datetime-local" value={from} onChange={(event) => setFrom(event.target.value)} />
      </label>
      <label>
        <span>{t('dataset.filters.to', { column: props.dataset.time })}</span>
        <input type="datetime-local" value={to} onChange={(event) => setTo(event.target.value)} />
      </label>
      <div className="filter-actions">
        <button type="submit" className="primary">
          {t('dataset.filters.apply')}
        </button>
        <button type="button" onClick={clear}>
          {t('dataset.filters.clear')}
        </button>
      </div>
    </form>
  );
}

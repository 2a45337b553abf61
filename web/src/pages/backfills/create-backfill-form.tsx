// The backfills page's form (analysts and admins): a partitioned pipeline, its range and keys, and
// the concurrency; the API's problem detail says what it refused.
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { useCreateBackfill } from '../../api/backfill-queries.ts';
import { usePipelines } from '../../api/queries.ts';
import type { CreateBackfillBody, PipelineEntry } from '../../api/types.ts';
import { QueryView } from '../../components/query-states.tsx';

const DEFAULT_CONCURRENCY = 10;
const EVERY = ['hourly', 'daily', 'weekly', 'monthly'] as const;

function isEvery(value: string): value is (typeof EVERY)[number] {
  return EVERY.some((every) => every === value);
}

function PartitionedForm({ pipelines }: { pipelines: PipelineEntry[] }) {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const create = useCreateBackfill();
  const [name, setName] = useState(pipelines[0]?.name ?? '');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [keys, setKeys] = useState('');
  const [concurrency, setConcurrency] = useState(String(DEFAULT_CONCURRENCY));
  const pipeline = pipelines.find((entry) => entry.name === name);
  const time = pipeline?.partitioning?.time ?? null;
  const dimensions = pipeline?.partitioning?.keys.map((dimension) => dimension.name) ?? [];
  // The API's detail names the field it refused (body.concurrency, --from …): mark that field.
  const detail = create.error?.message ?? '';
  const invalid = (...words: string[]) => words.some((word) => detail.includes(word));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: CreateBackfillBody = {
      pipeline: name,
      concurrency: Number(concurrency),
      keys: keys
        .split(',')
        .map((key) => key.trim())
        .filter((key) => key !== ''),
      ...(time ? { from, to } : {}),
    };
    create.mutate(body, { onSuccess: (created) => navigate(`/backfills/${created.backfill.id}`) });
  };

  return (
    <form className="backfill-form" onSubmit={submit} noValidate>
      <label>
        <span>{t('backfills.create.pipeline')}</span>
        <select value={name} onChange={(event) => setName(event.target.value)}>
          {pipelines.map((entry) => (
            <option key={entry.name} value={entry.name}>
              {entry.name}
            </option>
          ))}
        </select>
      </label>
      {time && (
        <>
          <label>
            <span>{t('backfills.create.from')}</span>
            <input
              type="date"
              value={from}
              onChange={(event) => setFrom(event.target.value)}
              aria-invalid={invalid('from', 'range') || undefined}
              aria-describedby="backfill-zone"
            />
          </label>
          <label>
            <span>{t('backfills.create.to')}</span>
            <input
              type="date"
              value={to}
              onChange={(event) => setTo(event.target.value)}
              aria-invalid={invalid('--to', 'body.to') || undefined}
              aria-describedby="backfill-zone"
            />
          </label>
        </>
      )}
      {dimensions.length > 0 && (
        <label className="wide">
          <span>{t('backfills.create.keys')}</span>
          <input
            type="text"
            value={keys}
            onChange={(event) => setKeys(event.target.value)}
            aria-invalid={invalid('key') || undefined}
            aria-describedby="backfill-keys-help"
          />
          <small id="backfill-keys-help">
            {t('backfills.create.keysHelp', { dimension: dimensions[0] ?? 'site' })}
          </small>
        </label>
      )}
      <label>
        <span>{t('backfills.create.concurrency')}</span>
        <input
          type="number"
          min={1}
          max={1000}
          step={1}
          value={concurrency}
          onChange={(event) => setConcurrency(event.target.value)}
          aria-invalid={invalid('concurrency') || undefined}
          aria-describedby="backfill-concurrency-help"
        />
        <small id="backfill-concurrency-help">{t('backfills.create.concurrencyHelp')}</small>
      </label>
      {time && (
        <p id="backfill-zone" className="muted form-note">
          {t('backfills.create.zone', {
            zone: time.timezone,
            every: isEvery(time.every) ? t(`backfills.every.${time.every}`) : time.every,
          })}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={create.isPending || name === ''}>
          {create.isPending ? t('backfills.create.submitting') : t('backfills.create.submit')}
        </button>
      </div>
      {create.error && (
        <p role="alert" className="notice notice-error form-error">
          {t('backfills.create.refused', { detail })}
        </p>
      )}
    </form>
  );
}

export function CreateBackfillForm() {
  const { t } = useTranslation();
  const pipelines = usePipelines();
  return (
    <section className="card" aria-labelledby="create-backfill-title">
      <h2 id="create-backfill-title">{t('backfills.create.title')}</h2>
      <QueryView
        query={pipelines}
        isEmpty={(data) => !data.pipelines.some((entry) => entry.partitioning !== null)}
        empty={t('backfills.create.noPipeline')}
      >
        {(data) => (
          <PartitionedForm pipelines={data.pipelines.filter((entry) => entry.partitioning !== null)} />
        )}
      </QueryView>
    </section>
  );
}

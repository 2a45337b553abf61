// Pipelines part: "Run now" for analysts and admins, with a date and the keys of a partitioned
// pipeline; the queued run is then followed live. Viewers never see it (the server refuses them too).
import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useTriggerRun } from '../../api/pipelines-queries.ts';
import type { PipelineEntry, PipelinePartitioning } from '../../api/types.ts';
import { LiveRun } from './live-run.tsx';
import { triggerOptions } from './trigger-options.ts';

function KeyField(props: {
  dimension: PipelinePartitioning['keys'][number];
  value: string;
  onChange: (value: string) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const { dimension } = props;
  return (
    <span className="field">
      <label htmlFor={id}>{t('pipelines.trigger.key', { name: dimension.name })}</label>
      {dimension.values ? (
        <select id={id} required value={props.value} onChange={(event) => props.onChange(event.target.value)}>
          <option value="">{t('pipelines.trigger.choose')}</option>
          {dimension.values.map((value) => (
            <option key={value} value={value}>
              {value}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          required
          value={props.value}
          onChange={(event) => props.onChange(event.target.value)}
        />
      )}
    </span>
  );
}

function PartitionFields(props: {
  partitioning: PipelinePartitioning;
  date: string;
  onDate: (date: string) => void;
  keys: Record<string, string>;
  onKey: (name: string, value: string) => void;
}) {
  const { t } = useTranslation();
  const { partitioning } = props;
  return (
    <>
      {partitioning.time && (
        <label>
          <span>{t('pipelines.trigger.date', { every: partitioning.time.every })}</span>
          <input
            type="date"
            required
            value={props.date}
            onChange={(event) => props.onDate(event.target.value)}
          />
        </label>
      )}
      {partitioning.keys.map((dimension) => (
        <KeyField
          key={dimension.name}
          dimension={dimension}
          value={props.keys[dimension.name] ?? ''}
          onChange={(value) => props.onKey(dimension.name, value)}
        />
      ))}
    </>
  );
}

export function TriggerForm({ pipeline }: { pipeline: PipelineEntry }) {
  const { t } = useTranslation();
  const trigger = useTriggerRun(pipeline.name);
  const [date, setDate] = useState('');
  const [keys, setKeys] = useState<Record<string, string>>({});
  const [runId, setRunId] = useState<string | undefined>();
  const hint = useId();
  const { partitioning } = pipeline;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const options = partitioning ? triggerOptions(partitioning, date, keys) : {};
    trigger.mutate(options, { onSuccess: (queued) => setRunId(queued.runId) });
  };

  return (
    <div className="trigger">
      <form
        className="trigger-form"
        aria-label={t('pipelines.trigger.label', { pipeline: pipeline.name })}
        aria-describedby={partitioning ? hint : undefined}
        onSubmit={submit}
      >
        {partitioning && (
          <PartitionFields
            partitioning={partitioning}
            date={date}
            onDate={setDate}
            keys={keys}
            onKey={(name, value) => setKeys((current) => ({ ...current, [name]: value }))}
          />
        )}
        <button type="submit" className="primary" disabled={trigger.isPending}>
          {trigger.isPending ? t('pipelines.trigger.starting') : t('pipelines.trigger.submit')}
        </button>
      </form>
      {partitioning && (
        <p id={hint} className="muted small">
          {t('pipelines.trigger.shape', { shape: partitioning.shape })}
        </p>
      )}
      {trigger.error && (
        <p role="alert" className="notice notice-error">
          {t('pipelines.trigger.failed', { detail: trigger.error.message })}
        </p>
      )}
      {runId && <LiveRun runId={runId} />}
    </div>
  );
}

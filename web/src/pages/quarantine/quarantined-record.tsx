// Quarantine part: one rejected record, with where it came from, its issues, its runs and its raw value (collapsible).
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { QuarantinedRecord } from '../../api/types.ts';
import { shortId } from '../../components/run-table.tsx';
import { useFormat } from '../../i18n/format.ts';

function originText(origin: QuarantinedRecord['origin']): string {
  const where = origin.file ?? origin.url ?? '';
  const at = origin.line === undefined ? '' : `:${origin.line}`;
  const sheet = origin.sheet === undefined ? '' : ` [${origin.sheet}]`;
  return `${origin.provider}${where ? ` · ${where}${at}${sheet}` : ''}`;
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? String(value);
}

export function QuarantinedRecordItem({ record }: { record: QuarantinedRecord }) {
  const { t } = useTranslation();
  const format = useFormat();
  const titleId = `quarantined-${record.id}`;
  return (
    <li className="quarantined" aria-labelledby={titleId}>
      <div className="quarantined-head">
        <h2 id={titleId}>
          {t('quarantine.record.title', { id: record.id, dataset: record.dataset })}{' '}
          <span className="badge badge-warn">{t(`quarantine.stage.${record.stage}`)}</span>
          {record.replayedAt && <span className="badge badge-good">{t('quarantine.record.replayed')}</span>}
        </h2>
        <span className="muted">{originText(record.origin)}</span>
      </div>
      <ul className="issues" aria-label={t('quarantine.record.issues')}>
        {record.issues.map((issue) => (
          <li key={`${issue.code}:${issue.path.join('.')}:${issue.message}`}>
            <code>{issue.code}</code>{' '}
            <strong>{issue.path.join('.') || t('quarantine.record.wholeRecord')}</strong>: {issue.message}
          </li>
        ))}
      </ul>
      <dl className="facts compact">
        <div>
          <dt>{t('quarantine.record.firstRun')}</dt>
          <dd>
            <Link href={`/runs/${record.runId}`}>{shortId(record.runId)}</Link> ·{' '}
            {format.dateTime(record.createdAt)}
          </dd>
        </div>
        <div>
          <dt>{t('quarantine.record.lastRun')}</dt>
          <dd>
            <Link href={`/runs/${record.lastRunId}`}>{shortId(record.lastRunId)}</Link> ·{' '}
            {format.dateTime(record.lastSeenAt)}
          </dd>
        </div>
        <div>
          <dt>{t('quarantine.record.occurrences')}</dt>
          <dd>{format.number(record.occurrences)}</dd>
        </div>
        <div>
          <dt>{t('quarantine.record.pipeline')}</dt>
          <dd>{record.pipeline}</dd>
        </div>
        {record.replayRunId && (
          <div>
            <dt>{t('quarantine.record.replayRun')}</dt>
            <dd>
              <Link href={`/runs/${record.replayRunId}`}>{shortId(record.replayRunId)}</Link> ·{' '}
              {format.dateTime(record.replayedAt)}
            </dd>
          </div>
        )}
      </dl>
      <details>
        <summary>{record.rawKept ? t('quarantine.record.raw') : t('quarantine.record.rawLegacy')}</summary>
        <pre className="raw-json" data-testid="raw-value">
          {pretty(record.raw)}
        </pre>
      </details>
      {record.record !== undefined && (
        <details>
          <summary>{t('quarantine.record.transformed')}</summary>
          <pre className="raw-json">{pretty(record.record)}</pre>
        </details>
      )}
    </li>
  );
}

// Pipelines part: a schedule in words, its zone, the next runs in that zone, and the last tick with
// why it was skipped or missed.
import { useTranslation } from 'react-i18next';
import type { PipelineSchedule as Schedule } from '../../api/types.ts';
import { cronInWords, useZonedFormat } from './schedule-words.ts';

export function PipelineSchedule({ schedule }: { schedule: Schedule | null }) {
  const { t, i18n } = useTranslation();
  const inZone = useZonedFormat(schedule?.timezone ?? 'UTC');
  if (!schedule) return <p className="muted">{t('pipelines.schedule.none')}</p>;
  const tick = schedule.lastTick;
  return (
    <>
      <p className="schedule-words">
        {schedule.cron.map((cron) => (
          <span key={cron}>
            {cronInWords(cron, i18n.language)} <code className="muted">{cron}</code>
          </span>
        ))}
      </p>
      <p className="muted small">{t('pipelines.schedule.zone', { zone: schedule.timezone })}</p>
      <h4>{t('pipelines.schedule.next', { zone: schedule.timezone })}</h4>
      <ol className="next-runs">
        {schedule.nextRuns.map((at) => (
          <li key={at}>
            <time dateTime={at}>{inZone(at)}</time>
          </li>
        ))}
      </ol>
      <h4>{t('pipelines.schedule.lastTick')}</h4>
      {tick ? (
        <p data-testid="last-tick">
          <span className={`badge badge-${tick.outcome === 'fired' ? 'good' : 'warn'}`}>
            {t(
              `pipelines.tick.${tick.outcome === 'fired' || tick.outcome === 'missed' ? tick.outcome : 'skipped'}`,
            )}
          </span>{' '}
          <time dateTime={tick.scheduledAt}>{inZone(tick.scheduledAt)}</time>
          {tick.reason && (
            <span className="tick-reason">{t('pipelines.schedule.why', { reason: tick.reason })}</span>
          )}
        </p>
      ) : (
        <p className="muted">{t('pipelines.schedule.noTick')}</p>
      )}
    </>
  );
}

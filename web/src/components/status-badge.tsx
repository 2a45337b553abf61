// A coloured label for run, health and series statuses; the text carries the meaning, the colour repeats it.
import { useTranslation } from 'react-i18next';
import type { FreshnessStatus, RunStatus, SeriesStatus } from '../api/types.ts';

type Badge =
  | { kind: 'run'; status: RunStatus }
  | { kind: 'health'; status: FreshnessStatus }
  | { kind: 'series'; status: SeriesStatus };

const TONE: Record<string, 'good' | 'warn' | 'bad' | 'info' | 'muted'> = {
  succeeded: 'good',
  healthy: 'good',
  fresh: 'good',
  partial: 'warn',
  degraded: 'warn',
  never: 'warn',
  failed: 'bad',
  stale: 'bad',
  queued: 'info',
  running: 'info',
  skipped: 'muted',
  cancelled: 'muted',
  unmonitored: 'muted',
};

export function StatusBadge(props: Badge) {
  const { t } = useTranslation();
  const label =
    props.kind === 'run'
      ? t(`status.run.${props.status}`)
      : props.kind === 'health'
        ? t(`status.health.${props.status}`)
        : t(`status.series.${props.status}`);
  return <span className={`badge badge-${TONE[props.status] ?? 'muted'}`}>{label}</span>;
}

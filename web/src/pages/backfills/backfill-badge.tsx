// Coloured labels for a backfill's status and a partition's state; the text carries the meaning.
import { useTranslation } from 'react-i18next';
import { useSession } from '../../api/session.ts';
import type { BackfillStatus, PartitionState } from '../../api/types.ts';

const BACKFILL_TONE: Record<BackfillStatus, string> = {
  active: 'info',
  paused: 'warn',
  completed: 'good',
  failed: 'bad',
  cancelled: 'muted',
};

const PARTITION_TONE: Record<PartitionState, string> = {
  pending: 'muted',
  running: 'info',
  succeeded: 'good',
  failed: 'bad',
  skipped: 'warn',
  cancelled: 'muted',
};

export function BackfillBadge({ status }: { status: BackfillStatus }) {
  const { t } = useTranslation();
  return (
    <span className={`badge badge-${BACKFILL_TONE[status]}`} data-testid="backfill-status">
      {t(`backfill.status.${status}`)}
    </span>
  );
}

export function PartitionBadge({ state }: { state: PartitionState }) {
  const { t } = useTranslation();
  return <span className={`badge badge-${PARTITION_TONE[state]}`}>{t(`backfill.state.${state}`)}</span>;
}

/** The signed-in principal's role, for hiding what it may not do. */
export function useRole(): string | undefined {
  const session = useSession();
  return session.kind === 'signed-in' ? session.session.principal.role : undefined;
}

// One partition of a backfill in a modal dialog: its state, attempts, last error and run, and Retry
// (analysts and admins). A native <dialog> opened with showModal: Esc closes it and the page behind is
// inert; Tab is kept inside.
import { type KeyboardEvent, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { useRetryPartition } from '../../api/backfill-queries.ts';
import type { BackfillPartition } from '../../api/types.ts';
import { shortId } from '../../components/run-table.tsx';
import { useFormat } from '../../i18n/format.ts';
import { PartitionBadge } from './backfill-badge.tsx';

const FOCUSABLE = 'a[href], button:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function PartitionDialog(props: {
  backfillId: string;
  partition: BackfillPartition;
  canRetry: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const ref = useRef<HTMLDialogElement>(null);
  const retry = useRetryPartition(props.backfillId);
  const { partition } = props;
  const busy = partition.status === 'pending' || partition.status === 'running';

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  // showModal makes the page inert, but Tab could still leave for the browser's own controls.
  const keepFocus = (event: KeyboardEvent<HTMLDialogElement>) => {
    if (event.key !== 'Tab' || !ref.current) return;
    const focusable = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = focusable[0];
    const last = focusable.at(-1);
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      className="bf-dialog"
      aria-labelledby="bf-dialog-title"
      onClose={props.onClose}
      onKeyDown={keepFocus}
    >
      <h2 id="bf-dialog-title">
        {t('backfill.partition.title', { partition: partition.partition })}{' '}
        <PartitionBadge state={partition.status} />
      </h2>
      <dl className="facts">
        <div>
          <dt>{t('backfill.partition.attempts')}</dt>
          <dd data-testid="partition-attempts">{format.number(partition.attempts)}</dd>
        </div>
        <div>
          <dt>{t('backfill.partition.startedAt')}</dt>
          <dd>{format.dateTime(partition.startedAt)}</dd>
        </div>
        <div>
          <dt>{t('backfill.partition.finishedAt')}</dt>
          <dd>{format.dateTime(partition.finishedAt)}</dd>
        </div>
        <div>
          <dt>{t('backfill.partition.run')}</dt>
          <dd>
            {partition.runId ? (
              <Link href={`/runs/${partition.runId}`} className="mono">
                {t('backfill.partition.openRun', { id: shortId(partition.runId) })}
              </Link>
            ) : (
              t('backfill.partition.noRun')
            )}
          </dd>
        </div>
      </dl>
      <h3>{t('backfill.partition.lastError')}</h3>
      {partition.lastError ? (
        <pre className="raw bf-error">{partition.lastError}</pre>
      ) : (
        <p className="muted">{t('backfill.partition.noError')}</p>
      )}
      {retry.error && (
        <p role="alert" className="notice notice-error">
          {t('backfill.partition.retryFailed', { detail: retry.error.message })}
        </p>
      )}
      <div className="form-actions">
        {props.canRetry && (
          <button
            type="button"
            className="primary"
            disabled={busy || retry.isPending}
            onClick={() => retry.mutate(partition.partition)}
          >
            {retry.isPending ? t('backfill.partition.retrying') : t('backfill.partition.retry')}
          </button>
        )}
        <button type="button" onClick={() => ref.current?.close()}>
          {t('backfill.partition.close')}
        </button>
      </div>
    </dialog>
  );
}

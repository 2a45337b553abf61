// Run detail part: cancelling a queued or running run, shown to admins only (the server checks the role too).
import { useTranslation } from 'react-i18next';
import { useCancelRun } from '../../api/queries.ts';
import { useSession } from '../../api/session.ts';
import type { RunSummary } from '../../api/types.ts';

export function CancelRunButton({ run }: { run: RunSummary }) {
  const { t } = useTranslation();
  const session = useSession();
  const cancel = useCancelRun(run.id);
  const isAdmin = session.kind === 'signed-in' && session.session.principal.role === 'admin';
  if (!isAdmin || (run.status !== 'queued' && run.status !== 'running')) return null;
  return (
    <div>
      <button type="button" className="danger" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
        {cancel.isPending ? t('run.cancelling') : t('run.cancel')}
      </button>
      {cancel.error && (
        <p role="alert" className="notice notice-error">
          {t('run.cancelFailed', { detail: cancel.error.message })}
        </p>
      )}
    </div>
  );
}

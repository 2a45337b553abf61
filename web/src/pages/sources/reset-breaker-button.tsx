// Sources part: resetting an open or half-open breaker, shown to admins only (the server checks the role too).
import { useTranslation } from 'react-i18next';
import { useIsAdmin } from '../../api/admin.ts';
import { useResetSource } from '../../api/sources-queries.ts';
import type { SourceStatus } from '../../api/types.ts';

export function ResetBreakerButton({ source }: { source: SourceStatus }) {
  const { t } = useTranslation();
  const isAdmin = useIsAdmin();
  const reset = useResetSource(source.name);
  const state = source.breaker?.state;
  if (!isAdmin) return null;
  // The answer says what it was; once the list shows it closed, the button goes.
  const done = reset.data && state === 'closed' && (
    <p className="notice" role="status">
      {t('sources.resetDone', { name: source.name, from: t(`sources.breaker.${reset.data.previousState}`) })}
    </p>
  );
  if (state === undefined || state === 'closed') return done || null;
  return (
    <div className="source-action">
      <button
        type="button"
        className="danger"
        aria-label={t('sources.resetLabel', { name: source.name })}
        onClick={() => reset.mutate()}
        disabled={reset.isPending}
      >
        {reset.isPending ? t('sources.resetting') : t('sources.reset')}
      </button>
      {reset.error && (
        <p role="alert" className="notice notice-error">
          {t('sources.resetFailed', { detail: reset.error.message })}
        </p>
      )}
    </div>
  );
}

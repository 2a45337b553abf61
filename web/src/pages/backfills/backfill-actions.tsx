// Backfill detail part: pause, resume, cancel and retry-failed, each shown when it applies, to
// analysts and admins only (the API refuses a viewer anyway).
import { useTranslation } from 'react-i18next';
import { type BackfillAction, useBackfillAction } from '../../api/backfill-queries.ts';
import type { BackfillSummary } from '../../api/types.ts';

/** The actions that apply to a backfill now (the API answers 409 to the others). */
function applicable(backfill: BackfillSummary): BackfillAction[] {
  const { status, counts } = backfill;
  const actions: BackfillAction[] = [];
  if (status === 'active') actions.push('pause');
  if (status === 'paused') actions.push('resume');
  if (counts.failed > 0 || (status === 'cancelled' && counts.cancelled > 0)) actions.push('retry-failed');
  if (status === 'active' || status === 'paused') actions.push('cancel');
  return actions;
}

export function BackfillActions({ backfill }: { backfill: BackfillSummary }) {
  const { t } = useTranslation();
  const action = useBackfillAction(backfill.id);
  const actions = applicable(backfill);
  if (actions.length === 0) return null;
  return (
    <div className="bf-actions">
      <fieldset className="bf-action-buttons" aria-label={t('backfill.actions.label')}>
        {actions.map((name) => (
          <button
            key={name}
            type="button"
            className={name === 'cancel' ? 'danger' : name === 'retry-failed' ? 'primary' : undefined}
            disabled={action.isPending}
            onClick={() => action.mutate(name)}
          >
            {t(`backfill.actions.${name}`)}
          </button>
        ))}
      </fieldset>
      {action.error && (
        <p role="alert" className="notice notice-error">
          {t('backfill.actions.failed', {
            action: t(`backfill.actions.${action.variables ?? 'pause'}`),
            detail: action.error.message,
          })}
        </p>
      )}
    </div>
  );
}

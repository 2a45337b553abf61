// Quarantine part: replaying the filtered run's records (analyst and admin; the server checks the
// role too), and what came of it: the replay run, how many passed now, how many failed again.
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { useReplayQuarantine } from '../../api/dataset-queries.ts';
import { useSession } from '../../api/session.ts';
import type { ReplayResult } from '../../api/types.ts';
import { shortId } from '../../components/run-table.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { useFormat } from '../../i18n/format.ts';

function Outcome({ result }: { result: ReplayResult }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { report } = result;
  return (
    <div className="notice replay-outcome" role="status" data-testid="replay-outcome">
      {report === undefined ? (
        <p>
          {result.notReplayable === 0
            ? t('quarantine.replay.nothingPending')
            : t('quarantine.replay.nothing', {
                count: result.notReplayable,
                value: format.number(result.notReplayable),
              })}
        </p>
      ) : (
        <>
          <p>
            {t('quarantine.replay.run')} <Link href={`/runs/${report.runId}`}>{shortId(report.runId)}</Link>{' '}
            <StatusBadge kind="run" status={report.status} />
          </p>
          <p>
            {t('quarantine.replay.counts', {
              replayed: format.number(result.replayed),
              rejected: format.number(report.counts.rejected),
              inserted: format.number(report.counts.inserted),
              updated: format.number(report.counts.updated),
              unchanged: format.number(report.counts.unchanged),
            })}
          </p>
          {result.notReplayable > 0 && (
            <p>
              {t('quarantine.replay.notReplayable', {
                count: result.notReplayable,
                value: format.number(result.notReplayable),
              })}
            </p>
          )}
        </>
      )}
    </div>
  );
}

export function ReplayPanel({ run }: { run: string }) {
  const { t } = useTranslation();
  const session = useSession();
  const replay = useReplayQuarantine();
  const role = session.kind === 'signed-in' ? session.session.principal.role : 'viewer';
  if (role === 'viewer') return null;
  return (
    <section className="card" aria-labelledby="replay-title">
      <h2 id="replay-title">{t('quarantine.replay.title')}</h2>
      <p className="muted">{t('quarantine.replay.help')}</p>
      <button
        type="button"
        className="primary"
        onClick={() => replay.mutate(run)}
        disabled={replay.isPending}
      >
        {replay.isPending ? t('quarantine.replay.running') : t('quarantine.replay.button')}
      </button>
      {replay.data && <Outcome result={replay.data} />}
      {replay.error && (
        <p role="alert" className="notice notice-error">
          {t('quarantine.replay.failed', { detail: replay.error.message })}
        </p>
      )}
    </section>
  );
}

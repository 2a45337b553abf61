// Pipelines: each with its dataset, schedule in words (zone, next 3 runs, last tick), last run,
// recent success rate, and for analysts and admins a trigger whose run is followed live.
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { usePipelines } from '../../api/queries.ts';
import { useSession } from '../../api/session.ts';
import type { PipelineEntry, RunStatus } from '../../api/types.ts';
import { RUN_STATUSES } from '../../api/types.ts';
import { QueryView } from '../../components/query-states.tsx';
import { shortId } from '../../components/run-table.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { useFormat } from '../../i18n/format.ts';
import { PipelineSchedule } from './pipeline-schedule.tsx';
import { TriggerForm } from './trigger-form.tsx';

function isRunStatus(value: string): value is RunStatus {
  return RUN_STATUSES.some((status) => status === value);
}

function LastRun({ pipeline }: { pipeline: PipelineEntry }) {
  const { t } = useTranslation();
  const format = useFormat();
  const run = pipeline.lastRun;
  if (!run) return <p className="muted">{t('pipelines.lastRun.never')}</p>;
  return (
    <div data-testid="last-run">
      <p>
        <Link href={`/runs/${run.id}`}>{t('pipelines.trigger.run', { id: shortId(run.id) })}</Link>{' '}
        {isRunStatus(run.status) ? <StatusBadge kind="run" status={run.status} /> : run.status}{' '}
        {run.finishedAt && (
          <time className="muted" dateTime={run.finishedAt} title={format.dateTime(run.finishedAt)}>
            {t('pipelines.lastRun.ended', { time: format.relative(run.finishedAt) })}
          </time>
        )}
      </p>
      <p className="muted small">
        {t('pipelines.lastRun.counts', {
          inserted: format.number(run.inserted),
          updated: format.number(run.updated),
          unchanged: format.number(run.unchanged),
          rejected: format.number(run.rejected),
        })}
      </p>
    </div>
  );
}

function SuccessRate({ recent }: { recent: PipelineEntry['recent'] }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (recent.successRate === null) return <p className="muted">{t('pipelines.rate.none')}</p>;
  return (
    <p data-testid="success-rate">
      <strong className="rate">{format.percent(recent.successRate)}</strong>{' '}
      <span className="muted">
        {t('pipelines.rate.detail', {
          count: recent.runs,
          succeeded: format.number(recent.succeeded),
          runs: format.number(recent.runs),
          partial: format.number(recent.partial),
          failed: format.number(recent.failed),
        })}
      </span>
    </p>
  );
}

function PipelineCard({ pipeline, canTrigger }: { pipeline: PipelineEntry; canTrigger: boolean }) {
  const { t } = useTranslation();
  const titleId = `pipeline-${pipeline.name}`;
  return (
    <section className="card pipeline-card" aria-labelledby={titleId}>
      <h2 id={titleId}>
        {pipeline.name}
        {isRunStatus(pipeline.status) && <StatusBadge kind="run" status={pipeline.status} />}
      </h2>
      {pipeline.description && <p>{pipeline.description}</p>}
      <p className="muted small">
        {t('pipelines.into', {
          dataset: pipeline.dataset,
          source: pipeline.source.name,
          kind: pipeline.source.kind,
        })}
        {pipeline.partitioning && (
          <> · {t('pipelines.partitioned', { shape: pipeline.partitioning.shape })}</>
        )}
      </p>
      <div className="pipeline-columns">
        <div>
          <h3>{t('pipelines.schedule.title')}</h3>
          <PipelineSchedule schedule={pipeline.schedule} />
        </div>
        <div>
          <h3>{t('pipelines.lastRun.title')}</h3>
          <LastRun pipeline={pipeline} />
          <h3>{t('pipelines.rate.title')}</h3>
          <SuccessRate recent={pipeline.recent} />
          {canTrigger && (
            <>
              <h3>{t('pipelines.trigger.title')}</h3>
              <TriggerForm pipeline={pipeline} />
            </>
          )}
        </div>
      </div>
    </section>
  );
}

export function PipelinesPage() {
  const { t } = useTranslation();
  const session = useSession();
  const pipelines = usePipelines();
  const canTrigger = session.kind === 'signed-in' && session.session.principal.role !== 'viewer';
  return (
    <>
      <h1>{t('pipelines.title')}</h1>
      <QueryView
        query={pipelines}
        isEmpty={(data) => data.pipelines.length === 0}
        empty={t('pipelines.empty')}
      >
        {(data) => (
          <div className="pipeline-list">
            {data.pipelines.map((pipeline) => (
              <PipelineCard key={pipeline.name} pipeline={pipeline} canTrigger={canTrigger} />
            ))}
          </div>
        )}
      </QueryView>
    </>
  );
}

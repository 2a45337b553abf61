// Sources: each provider's circuit breaker and when it may probe again, failures, last success and
// failure, latency percentiles, rate-limit use, and the admin's reset; breaker events update it live.
import { useTranslation } from 'react-i18next';
import { useSources } from '../../api/sources-queries.ts';
import type { BreakerState, SourceStatus } from '../../api/types.ts';
import { QueryView } from '../../components/query-states.tsx';
import { type Formatters, useFormat } from '../../i18n/format.ts';
import { ResetBreakerButton } from './reset-breaker-button.tsx';

const TONE: Record<BreakerState, 'good' | 'warn' | 'bad'> = {
  closed: 'good',
  half_open: 'warn',
  open: 'bad',
};

const UNIT_MS: Array<[string, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** A policy's interval in its largest whole unit ("1 min", not "1 min 0 sec"), else as a duration. */
function interval(locale: string, ms: number, format: Formatters): string {
  const found = UNIT_MS.find(([, size]) => ms >= size && ms % size === 0);
  if (!found) return format.duration(ms);
  const [unit, size] = found;
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short' }).format(ms / size);
}

function BreakerLine({ source }: { source: SourceStatus }) {
  const { t, i18n } = useTranslation();
  const format = useFormat();
  const { breaker } = source;
  if (!breaker) return <p className="muted">{t('sources.breaker.none')}</p>;
  const policy = t('sources.breaker.policy', {
    count: breaker.threshold,
    cooldown: interval(i18n.language, breaker.cooldownS * 1000, format),
  });
  return (
    <>
      {breaker.state === 'open' && (
        <p data-testid="breaker-detail">
          {t('sources.breaker.openSince', {
            time: format.dateTime(breaker.openedAt),
            relative: format.relative(breaker.nextProbeAt),
            at: format.dateTime(breaker.nextProbeAt),
          })}
        </p>
      )}
      {breaker.state === 'half_open' && (
        <p data-testid="breaker-detail">
          {t('sources.breaker.halfOpen', { time: format.dateTime(breaker.changedAt) })}
        </p>
      )}
      <p className="muted">{breaker.enabled ? policy : t('sources.breaker.disabled')}</p>
    </>
  );
}

function SourceCard({ source }: { source: SourceStatus }) {
  const { t, i18n } = useTranslation();
  const format = useFormat();
  const titleId = `source-${source.name.replace(/[^\w-]/g, '_')}`;
  const { latencyMs, rateLimit, breaker } = source;
  const outcomes = Object.entries(source.requests);
  return (
    <section className="card source" aria-labelledby={titleId} data-testid="source">
      <div className="title-row">
        <h2 id={titleId}>
          {source.name} <span className="muted source-kind">{t(`sources.kind.${kindKey(source.kind)}`)}</span>
        </h2>
        <span
          className={`badge badge-${breaker ? TONE[breaker.state] : 'muted'}`}
          data-testid="breaker-state"
        >
          {breaker ? t(`sources.breaker.${breaker.state}`) : t('sources.breaker.none')}
        </span>
      </div>
      <p className="muted">
        {source.pipelines.length > 0
          ? t('sources.usedBy', { pipelines: source.pipelines.join(', ') })
          : t('sources.usedByNone')}
      </p>
      <BreakerLine source={source} />
      {source.blockedUntil && (
        <p className="notice">{t('sources.blockedUntil', { time: format.dateTime(source.blockedUntil) })}</p>
      )}
      <dl className="facts">
        <div>
          <dt>{t('sources.failures')}</dt>
          <dd data-testid="failures">{breaker ? format.number(breaker.consecutiveFailures) : '—'}</dd>
        </div>
        <div>
          <dt>{t('sources.lastSuccess')}</dt>
          <dd>{source.lastSuccess ? format.dateTime(source.lastSuccess.at) : t('sources.never')}</dd>
        </div>
        <div>
          <dt>{t('sources.latency')}</dt>
          <dd data-testid="latency">
            {latencyMs.samples === 0 ? (
              t('sources.noLatency')
            ) : (
              <>
                {[latencyMs.p50, latencyMs.p95, latencyMs.p99].map((ms) => format.duration(ms)).join(' / ')}
                <span className="muted source-samples">
                  {t('sources.latencySamples', { count: latencyMs.samples })}
                </span>
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>{t('sources.rateLimit')}</dt>
          <dd data-testid="rate-limit">
            {rateLimit
              ? t('sources.rateLimitUse', {
                  used: format.number(rateLimit.used),
                  requests: format.number(rateLimit.requests),
                  interval: interval(i18n.language, rateLimit.intervalMs, format),
                })
              : t('sources.noRateLimit')}
          </dd>
        </div>
        <div>
          <dt>{t('sources.requests')}</dt>
          <dd>
            {outcomes.length === 0
              ? t('sources.noRequests')
              : outcomes.map(([outcome, count]) => `${outcome} ${format.number(count)}`).join(', ')}
          </dd>
        </div>
        {source.concurrency !== null && (
          <div>
            <dt>{t('sources.concurrency')}</dt>
            <dd>{format.number(source.concurrency)}</dd>
          </div>
        )}
        <div className="wide">
          <dt>{t('sources.lastFailure')}</dt>
          <dd>
            {source.lastFailure ? format.dateTime(source.lastFailure.at) : t('sources.never')}
            {source.lastFailure && (
              <span className="source-failure" data-testid="failure-message">
                {source.lastFailure.message}
              </span>
            )}
          </dd>
        </div>
      </dl>
      <ResetBreakerButton source={source} />
    </section>
  );
}

const KINDS = ['files', 'http', 'static', 'asyncJob', 'unknown'] as const;

/** The string key of a provider kind; the API types it as a string, so a new kind reads as unknown. */
function kindKey(kind: string): (typeof KINDS)[number] {
  return KINDS.find((known) => known === kind) ?? 'unknown';
}

export function SourcesPage() {
  const { t } = useTranslation();
  const sources = useSources();
  return (
    <>
      <h1>{t('sources.title')}</h1>
      <p className="muted">{t('sources.intro')}</p>
      <QueryView query={sources} isEmpty={(data) => data.sources.length === 0} empty={t('sources.empty')}>
        {(data) => (
          <div className="sources">
            {data.sources.map((source) => (
              <SourceCard key={source.name} source={source} />
            ))}
          </div>
        )}
      </QueryView>
    </>
  );
}

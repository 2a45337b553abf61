// Run detail part: the quality report (rejections and warnings per rule and field) and rejected samples.
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { RuleCount, RunDetailResponse } from '../../api/types.ts';
import { Empty } from '../../components/query-states.tsx';
import { useFormat } from '../../i18n/format.ts';

function RuleTable({ rules, caption }: { rules: RuleCount[]; caption: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <div className="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('run.quality.rule')}</th>
            <th scope="col">{t('run.quality.field')}</th>
            <th scope="col" className="num">
              {t('run.quality.count')}
            </th>
          </tr>
        </thead>
        <tbody>
          {rules.map((rule) => (
            <tr key={`${rule.code}:${rule.path}`}>
              <td>
                <code>{rule.code}</code>
              </td>
              <td>{rule.path || t('common.none')}</td>
              <td className="num">{format.number(rule.count)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function RunQualitySection({ detail }: { detail: RunDetailResponse }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { quality, rejectedSamples } = detail;
  // Reports stored by older versions lack the rule lists.
  const issues = quality?.issues ?? [];
  const warnings = quality?.warnings ?? [];
  return (
    <>
      <section className="card" aria-labelledby="quality-title">
        <h2 id="quality-title">{t('run.quality.title')}</h2>
        {quality === null ? (
          <Empty>{t('run.quality.empty')}</Empty>
        ) : (
          <>
            <dl className="facts">
              <div>
                <dt>{t('run.quality.input')}</dt>
                <dd>{format.number(quality.input)}</dd>
              </div>
              <div>
                <dt>{t('run.counts.valid')}</dt>
                <dd>{format.number(quality.valid)}</dd>
              </div>
              <div>
                <dt>{t('run.counts.rejected')}</dt>
                <dd>{format.number(quality.rejected)}</dd>
              </div>
              <div>
                <dt>{t('run.quality.warned')}</dt>
                <dd>{quality.warned === undefined ? t('common.none') : format.number(quality.warned)}</dd>
              </div>
              <div>
                <dt>{t('run.quality.errorRate')}</dt>
                <dd>
                  {format.percent(quality.errorRate)} (
                  {quality.maxErrorRate === null || quality.maxErrorRate === undefined
                    ? t('run.quality.noLimit')
                    : t('run.quality.maxErrorRate', { value: format.percent(quality.maxErrorRate) })}
                  )
                </dd>
              </div>
            </dl>
            {issues.length === 0 && warnings.length === 0 && <p>{t('run.quality.noIssues')}</p>}
            {issues.length > 0 && <RuleTable rules={issues} caption={t('run.quality.rules')} />}
            {warnings.length > 0 && <RuleTable rules={warnings} caption={t('run.quality.warnings')} />}
          </>
        )}
      </section>
      <section className="card" aria-labelledby="rejected-title">
        <h2 id="rejected-title">{t('run.rejected.title')}</h2>
        {rejectedSamples.length > 0 && (
          <p>
            <Link href={`/quarantine?${new URLSearchParams({ run: detail.run.id })}`}>
              {t('quarantine.fromRun')}
            </Link>
          </p>
        )}
        {rejectedSamples.length === 0 ? (
          <Empty>{t('run.rejected.empty')}</Empty>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('run.rejected.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('run.rejected.stage')}</th>
                  <th scope="col">{t('run.rejected.raw')}</th>
                  <th scope="col">{t('run.rejected.issues')}</th>
                </tr>
              </thead>
              <tbody>
                {rejectedSamples.map((sample) => (
                  <tr key={sample.id}>
                    <td>{sample.stage}</td>
                    <td>
                      <code className="raw">{JSON.stringify(sample.raw)}</code>
                    </td>
                    <td>
                      {sample.issues.map((issue) => (
                        <div key={`${issue.code}:${issue.path.join('.')}`}>
                          <code>{issue.code}</code> {issue.path.join('.')}: {issue.message}
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

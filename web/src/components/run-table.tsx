// A table of runs, newest first, each linking to its detail; used by the runs list and the overview.
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { RunSummary } from '../api/types.ts';
import { useFormat } from '../i18n/format.ts';
import { StatusBadge } from './status-badge.tsx';

export function shortId(id: string): string {
  return id.slice(0, 8);
}

export function RunTable({ runs, caption }: { runs: RunSummary[]; caption: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('runs.column.id')}</th>
            <th scope="col">{t('runs.column.pipeline')}</th>
            <th scope="col">{t('runs.column.status')}</th>
            <th scope="col">{t('runs.column.trigger')}</th>
            <th scope="col">{t('runs.column.partition')}</th>
            <th scope="col">{t('runs.column.queuedAt')}</th>
            <th scope="col" className="num">
              {t('runs.column.duration')}
            </th>
            <th scope="col" className="num">
              {t('runs.column.fetched')}
            </th>
            <th scope="col" className="num">
              {t('runs.column.inserted')}
            </th>
            <th scope="col" className="num">
              {t('runs.column.updated')}
            </th>
            <th scope="col" className="num">
              {t('runs.column.unchanged')}
            </th>
            <th scope="col" className="num">
              {t('runs.column.rejected')}
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id}>
              <td>
                <Link href={`/runs/${run.id}`} className="mono">
                  {shortId(run.id)}
                </Link>
              </td>
              <td>{run.pipeline}</td>
              <td>
                <StatusBadge kind="run" status={run.status} />
              </td>
              <td>{run.trigger}</td>
              <td>{run.partitionKey ?? t('common.none')}</td>
              <td>
                <time dateTime={run.queuedAt}>{format.dateTime(run.queuedAt)}</time>
              </td>
              <td className="num">{format.duration(run.durationMs)}</td>
              <td className="num">{format.number(run.fetched)}</td>
              <td className="num">{format.number(run.inserted)}</td>
              <td className="num">{format.number(run.updated)}</td>
              <td className="num">{format.number(run.unchanged)}</td>
              <td className="num">{format.number(run.rejected)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

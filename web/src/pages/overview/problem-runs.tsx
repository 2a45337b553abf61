// Overview part: the failed and partial runs of the last 24 hours.
import { useTranslation } from 'react-i18next';
import { useRecentProblemRuns } from '../../api/queries.ts';
import { QueryView } from '../../components/query-states.tsx';
import { RunTable } from '../../components/run-table.tsx';

export function ProblemRuns() {
  const { t } = useTranslation();
  const runs = useRecentProblemRuns();
  return (
    <section className="card" aria-labelledby="problems-title">
      <h2 id="problems-title">{t('overview.problems.title')}</h2>
      <QueryView query={runs} isEmpty={(list) => list.length === 0} empty={t('overview.problems.empty')}>
        {(list) => <RunTable runs={list} caption={t('overview.problems.title')} />}
      </QueryView>
    </section>
  );
}

// Key sets part: what the API refused, its 400 detail one issue a line, each entry located in the file when known.
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client.ts';
import { issuesOf } from './seed-file.ts';

export function ApiIssues({
  error,
  locate,
}: {
  error: Error;
  locate?: (index: number) => string | undefined;
}) {
  const { t } = useTranslation();
  const problem = error instanceof ApiError ? error.problem : undefined;
  const issues = issuesOf(problem?.detail ?? error.message, locate);
  return (
    <div role="alert" className="notice notice-error api-issues" data-testid="api-issues">
      <p>{t('keySets.rejected', { status: problem?.status ?? 0, code: problem?.code ?? 'error' })}</p>
      <ul>
        {issues.map((issue) => (
          <li key={issue}>{issue}</li>
        ))}
      </ul>
    </div>
  );
}
